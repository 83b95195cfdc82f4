"""A fast password hasher for the test suite.

PBKDF2 with Django's default iterations takes most of a login's time; the
suite logs in thousands of times. This is the same algorithm (so tests that
watch ``PBKDF2PasswordHasher`` still see every hash) with one iteration.
Hashes made with the real iteration count still verify: the count is stored
in each hash.
"""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1
