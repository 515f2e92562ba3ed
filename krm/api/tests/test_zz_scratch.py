import json
from krm.api.models import ApiToken
from krm.api.tests.openapi_check import OpenApiContract
from krm.testing.factories import make_case

def test_scratch(client, org):
    contract = OpenApiContract.fetch(client)
    _, key = ApiToken.issue(org["krmb"])
    h = {"HTTP_AUTHORIZATION": f"Token {key}"}
    r = client.post("/api/v1/cases", {"kind": "beschwerde", "channel": "brief", "subject": "x", "received_at": "2025-05-07T09:00:00"}, content_type="application/json", **h)
    print(r.status_code, json.dumps(r.json(), ensure_ascii=False))
    print(contract.errors(r.json(), "/api/v1/cases", "post", 201))
    for i in range(3): make_case(org["krmb"])
    r = client.get("/api/v1/cases", {"page_size": 2}, **h)
    print(r.status_code, json.dumps(r.json(), ensure_ascii=False)[:600])
    print(contract.errors(r.json(), "/api/v1/cases", "get", 200))
    for url, extra in [("/api/v1/cases", {}), ("/api/v1/cases/99999", h), ("/api/v1/cases?page=9", h), ("/api/v1/cases?kind=x&foo=1", h)]:
        r = client.get(url, **extra)
        print(url, r.status_code, r.json(), r.get("WWW-Authenticate"))
    r = client.post("/api/v1/cases", "not json", content_type="application/json", **h)
    print(r.status_code, r.json())
    r = client.post("/api/v1/cases", {"kind": "x", "customer": {"email": "bad", "foo": 1}, "topics": ["T01","T02","T03","T04"], "received_at": "gestern"}, content_type="application/json", **h)
    print(r.status_code, json.dumps(r.json(), ensure_ascii=False))
    r = client.post("/api/v1/cases", {"kind": "beschwerde", "channel": "brief", "subject": "x", "topics": ["T77"], "org_unit": "99", "received_at": "2099-01-01T00:00:00"}, content_type="application/json", **h)
    print(r.status_code, json.dumps(r.json(), ensure_ascii=False))
    r = client.post("/api/v1/cases", {"kind": "beschwerde", "channel": "brief", "subject": "x", "received_at": "2099-01-01T00:00:00", "customer": {"email": "bad"}}, content_type="application/json", **h)
    print(r.status_code, json.dumps(r.json(), ensure_ascii=False))
    r = client.post("/api/v1/cases", [1,2], content_type="application/json", **h)
    print(r.status_code, json.dumps(r.json(), ensure_ascii=False))
    r = client.post("/api/v1/cases", {"kind": "beschwerde", "channel": "brief", "subject": "x", "customer": "hans"}, content_type="application/json", **h)
    print(r.status_code, json.dumps(r.json(), ensure_ascii=False))
    r = client.post("/api/v1/cases", {"kind": "beschwerde", "channel": "brief", "subject": "x", "customer": {"email":"a@b.de"}}, content_type="text/plain", **h)
    print(r.status_code, json.dumps(r.json(), ensure_ascii=False))
    _, gk = ApiToken.issue(org["gf"])
    r = client.post("/api/v1/cases", {"kind": "beschwerde"}, content_type="application/json", HTTP_AUTHORIZATION=f"Token {gk}")
    print(r.status_code, json.dumps(r.json(), ensure_ascii=False))
