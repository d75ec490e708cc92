"""A CDS Hooks service: the safety check answered as cards to an EHR on order-select and order-sign."""
