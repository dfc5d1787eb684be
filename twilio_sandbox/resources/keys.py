"""API keys: create (secret shown once), list, fetch, update FriendlyName, delete."""

from ..errors import not_found
from ..routing import ACCOUNT, SEG
from ..store import Key
from ..wire import Response, new_sid, now, page_2010, rfc2822


def to_json(key: Key, *, with_secret: bool = False) -> dict:
    body = {
        "sid": key.sid,
        "friendly_name": key.friendly_name,
        "date_created": rfc2822(key.date_created),
        "date_updated": rfc2822(key.date_updated),
    }
    if with_secret:
        # The secret is returned only on create (docs/twilio-behaviour.md §3).
        body["secret"] = key.secret
    return body


def register(router, sandbox) -> None:
    store = sandbox.store

    def get(request) -> Key:
        key = store.keys.get(request.params["Sid"])
        if key is None or key.account_sid != request.params["AccountSid"]:
            raise not_found(request.path)
        return key

    def create(request):
        with store.lock:
            key = Key(sid=new_sid("SK"), account_sid=request.params["AccountSid"],
                      friendly_name=request.arg("FriendlyName") or "")
            store.keys[key.sid] = key
            return Response(201, to_json(key, with_secret=True))

    def listing(request):
        account_sid = request.params["AccountSid"]
        with store.lock:
            keys = [k for k in store.keys.values() if k.account_sid == account_sid]
            body = page_2010(request, keys, "keys", uri_path=f"/2010-04-01/Accounts/{account_sid}/Keys.json",
                             render=to_json)
        return Response(200, body)

    def fetch(request):
        with store.lock:
            return Response(200, to_json(get(request)))

    def update(request):
        with store.lock:
            key = get(request)
            name = request.arg("FriendlyName")
            if name is not None:
                key.friendly_name = name
            key.date_updated = now()
            return Response(200, to_json(key))

    def delete(request):
        with store.lock:
            del store.keys[get(request).sid]
        return Response(204, None)

    router.add("POST", rf"{ACCOUNT}/Keys\.json", create)
    router.add("GET", rf"{ACCOUNT}/Keys\.json", listing)
    router.add("GET", rf"{ACCOUNT}/Keys/(?P<Sid>{SEG})\.json", fetch)
    router.add("POST", rf"{ACCOUNT}/Keys/(?P<Sid>{SEG})\.json", update)
    router.add("DELETE", rf"{ACCOUNT}/Keys/(?P<Sid>{SEG})\.json", delete)
