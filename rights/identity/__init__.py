"""Requests without an account and by agents: who is asking, for whom, and the proof.

* :mod:`.models`: the e-mail confirmation of the public form, the identity of
  a request (capacity, the requester, the person as described, the decision)
  and the documents sent as proof;
* :mod:`.services`: every write (start, confirm, file, match, verify, reject,
  destroy a document holding a My Number, ask the person to confirm an agent,
  the purge of documents, requests entered by staff);
* :mod:`.views` and :mod:`.forms`: the public pages under ``/requests/start/``;
* :mod:`.admin`: the identity section of a request's working page.
"""
