"""Pages of the API's lists: `Link` headers and `links` in the body, and a page past the end refused.

Every list answers `{items, total, page, page_size, pages}`; this adds where the first, previous,
next and last pages are (RFC 8288 `Link` header, and the same URLs in `links`), keeping the
request's other parameters. A page past the last is answered 404, naming `page`.
"""

import json
from urllib.parse import urlencode

from flask import Flask, Response, jsonify, request

PAGE_KEYS = {"items", "total", "page", "page_size", "pages"}


def _url(page: int) -> str:
    args = request.args.copy()
    args["page"] = str(page)
    return f"{request.base_url}?{urlencode(list(args.items(multi=True)))}"


def add_page_links(response: Response) -> Response:
    if response.status_code != 200 or response.mimetype != "application/json" or not request.path.startswith("/api/"):
        return response
    if b'"pages"' not in response.get_data():  # most answers are not lists: skip parsing them
        return response
    data = response.get_json(silent=True)
    if not isinstance(data, dict) or not data.keys() >= PAGE_KEYS:
        return response
    page, pages = data["page"], data["pages"]
    if page > pages:
        message = f"Page {page} is past the last page ({pages})."
        refused = jsonify(
            {"code": 404, "status": "Not Found", "message": message, "errors": {"query": {"page": [message]}}}
        )
        refused.status_code = 404
        return refused
    links = {"first": _url(1), "last": _url(pages)}
    if page > 1:
        links["prev"] = _url(page - 1)
    if page < pages:
        links["next"] = _url(page + 1)
    response.headers["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())
    response.set_data(json.dumps({**data, "links": links}, ensure_ascii=False, separators=(",", ":")))
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_page_links)
