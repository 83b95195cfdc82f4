"""Personal data outside this database: external systems, subcontractors and partners.

A deletion, correction or restriction that stops at this database is
incomplete (GDPR art. 17(2), 19; APPI art. 34, 35): every system of the
company's own services and every recipient the customer's data went to must
act on it, or be told. This package carries that out, inside the request:

``models``     :class:`ExternalSystem` (configured in the admin: an HTTP
               connector, an e-mail contact, or a staff task) and
               :class:`SystemTask` (one system's part in one request, its
               state and outcome)
``signing``    the HMAC signature of every call and callback
``client``     one call of the JSON contract (``POST /dsr/<operation>``)
``source``     :class:`ConnectorSource`, a registry ``Source`` over the contract
``planning``   which systems a request concerns, and their tasks
``dispatch``   one attempt of a task, its back-off, and finishing the request
``notices``    e-mail tasks and recipients' notices: signed links, reminders
``summary``    the staff table and the customer's sentence
``admin``, ``views``, ``urls``, ``hooks``  entry points and wiring

The contract external services implement is ``docs/connectors.md``.
"""
