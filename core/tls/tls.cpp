// HTTPS listener contexts (filled in by the certificates work).
