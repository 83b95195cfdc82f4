"""Legal holds and what retention rules keep.

* :mod:`.selectors`: reads: what is held now (rules with a legal obligation,
  staff holds) and until when, as queries the erasing batches re-check;
* :mod:`.services`: writes: placing and releasing a staff hold.
"""
