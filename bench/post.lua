-- wrk script for the `post` scenario: POST a 4 KiB body to /echo (the URL on
-- wrk's command line), which every server echoes back.
wrk.method = "POST"
wrk.body = string.rep("x", 4096)
wrk.headers["Content-Type"] = "application/octet-stream"
