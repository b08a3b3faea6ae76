"""Reading planfiles: decoding their bytes, parsing their structure, editing them byte-exactly."""
