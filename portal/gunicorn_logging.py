"""gunicorn's access log without the secrets that link paths carry.

Download, follow, agent-confirmation, e-mail verification and password-reset
links carry their token in the path, which an access line would otherwise write
out for anyone who reads the logs. :class:`TokenMaskingLogger` (``logger_class``
in portal/gunicorn.conf.py) replaces those segments with ``[token]`` in every
atom a format can name: ``%(r)s``, ``%(U)s``, the referer and other headers.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from portal.kernel.logs import mask_url_tokens


class TokenMaskingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: mask_url_tokens(value) if isinstance(value, str) else value
            for key, value in atoms.items()
        }
