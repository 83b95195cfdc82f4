"""Requests without an account and by agents: who is asking, for whom, and the proof.

* :mod:`.models`: the e-mail confirmation of the public form, the identity of
  a request (capacity, the requester, the person as described, the decision)
  and the documents sent as proof;
* one module per flow: :mod:`.public_form` (the e-mailed code),
  :mod:`.filing` (filing the request with its documents),
  :mod:`.verification` (staff match the customer, verify or reject),
  :mod:`.documents` (destroying documents), :mod:`.agents` (the person
  confirms the agent), :mod:`.follow_links` and :mod:`.follow` (the follow
  page), :mod:`.staff_entry` (requests entered by staff), :mod:`.purge` (the
  nightly purge of documents and confirmations);
* :mod:`.views`, :mod:`.forms`, :mod:`.throttle`: the public pages under ``/requests/``;
* :mod:`.staff_forms`: the staff's intake and decision forms;
  :mod:`.form_parts`: the public form's parts for a paper answer and a correction;
* :mod:`.admin`: the identity section of a request's working page.

Nothing here imports :mod:`rights.tasks`: mail is queued through the outbox
by task name.
"""
