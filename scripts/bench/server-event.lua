-- wrk script: POST an add-in event (a justified override with masked
-- evidence) to /api/v1/events: one SQLite write per request.
wrk.method = "POST"
wrk.body = '{"action":"sent-anyway","rules":["insecure-recipient"],"verdictAction":"block","classification":"red","justification":"Patient asked for results by email","evidence":[{"kind":"nhs-number","field":"body","masked":"*** *** 5919"}],"messageRef":"sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","client":{"host":"Outlook","platform":"PC","version":"16.0.18227.20000"}}'
wrk.headers["Content-Type"] = "application/json"
