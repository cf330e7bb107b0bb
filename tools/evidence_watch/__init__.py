"""Evidence watch: check references.bib against Crossref and PubMed (verify_refs) and look for
new or changed MSC-in-RA trials and papers since the evidence date (watch).

Both commands only read the registries and write a report; they never edit content.
"""

EXIT_OK = 0  # nothing to report
EXIT_FINDINGS = 1  # verify-refs: a mismatch, retraction or unreadable record; watch: something new
EXIT_CONFIG = 2  # a repository file is wrong (message gives file:line)
EXIT_OFFLINE = 3  # no registry could be reached
