"""Pages of the API's lists: `Link` headers and `links` in the body, and a page past the end refused.

Every list answers `{items, total, page, page_size, pages}`; this adds where the first, previous,
next and last pages are (RFC 8288 `Link` header, and the same URLs in `links`), keeping the
request's other parameters. A page past the last is answered 404, naming `page`.
"""

import json
from urllib.parse import urlencode

from flask import Flask, Response, abort, jsonify, request

PAGE_KEYS = {"items", "total", "page", "page_size", "pages"}


def _url(page: int) -> str:
    args = request.args.copy()
    args["page"] = str(page)
    return f"{request.base_url}?{urlencode(list(args.items(multi=True)))}"


def past_last_page(page: int, pages: int) -> Response:
    """The 404 for a page past the last, naming `page`."""
    message = f"Page {page} is past the last page ({pages})."
    errors = {"query": {"page": [message]}}
    refused = jsonify({"code": 404, "status": "Not Found", "message": message, "errors": errors})
    refused.status_code = 404
    return refused


def page_links(page: int, pages: int) -> dict[str, str]:
    """The first, previous, next and last pages' URLs; a page past the last is refused (404)."""
    if page > pages:
        abort(past_last_page(page, pages))
    links = {"first": _url(1), "last": _url(pages)}
    if page > 1:
        links["prev"] = _url(page - 1)
    if page < pages:
        links["next"] = _url(page + 1)
    return links


def link_header(links: dict[str, str]) -> str:
    return ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())


def add_page_links(response: Response) -> Response:
    if response.status_code != 200 or response.mimetype != "application/json" or not request.path.startswith("/api/"):
        return response
    # Lists that write their own links (the ingredient search) are left as they are; most answers
    # are not lists at all, and are skipped before any parsing.
    if "Link" in response.headers or b'"pages"' not in response.get_data():
        return response
    data = response.get_json(silent=True)
    if not isinstance(data, dict) or not data.keys() >= PAGE_KEYS:
        return response
    page, pages = data["page"], data["pages"]
    if page > pages:
        return past_last_page(page, pages)
    links = page_links(page, pages)
    response.headers["Link"] = link_header(links)
    response.set_data(json.dumps({**data, "links": links}, ensure_ascii=False, separators=(",", ":")))
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_page_links)
