"""The plain paginating script a user would write instead of the mount:
page through a campaign's leads with POST /api/v2/leads/list, one
persistent connection, and count the leads whose JSON holds a pattern.

    python3 page_grep.py URL KEY CAMPAIGN PATTERN
"""
import http.client
import json
import sys
import urllib.parse


def main(url, key, campaign, pattern):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port)
    headers = {"Authorization": "Bearer " + key, "Content-Type": "application/json",
               "User-Agent": "page_grep"}
    body = {"campaign": campaign, "limit": 100}
    found = pages = 0
    while True:
        conn.request("POST", "/api/v2/leads/list", json.dumps(body), headers)
        page = json.loads(conn.getresponse().read())
        pages += 1
        for lead in page.get("items", []):
            if pattern in json.dumps(lead, indent=2):
                found += 1
        if not page.get("next_starting_after"):
            break
        body["starting_after"] = page["next_starting_after"]
    print(found, pages)


if __name__ == "__main__":
    main(*sys.argv[1:5])
