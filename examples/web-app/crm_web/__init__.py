"""A small CRM web service that shows each sales rep their guided actions.

- :mod:`crm_web.models`: the CRM's tables (SQLAlchemy 2 ORM), one per interchange list.
- :mod:`crm_web.convert`: ORM rows to ``guided_actions`` records and a snapshot, and back.
- :mod:`crm_web.cache`: the one snapshot the service shares between requests, and its writes.
- :mod:`crm_web.app`: the FastAPI application (``uvicorn --factory crm_web.app:create_app``).
- :mod:`crm_web.seed`: fills a database from a synthetic CRM or an interchange document.
"""
