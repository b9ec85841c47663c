// Local CA, issuing, ACME (filled in by the certificates work).
