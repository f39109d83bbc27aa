"""Workspaces to start from: the test seed, the demo, and generated leads.

Owns: `test_seed()` (the edge-case workspace the integration tests use;
tests/fake/seed-test.json is its dump, regenerate it with
`python3 tests/fake/fake_seeds.py test > tests/fake/seed-test.json`),
`demo_seed()` (a realistic sample workspace for `make demo`), and
`add_generated_leads()` (N extra leads for `--leads N`, fast enough for
100,000). Everything comes from random.Random with a fixed seed, so the
output is the same on every run.

Objects here may leave out fields; State.load fills in the defaults.
"""

import datetime
import json
import random
import re
import sys

import fake_model as M

BASE = datetime.datetime(2026, 10, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)
BASE_MS = int(BASE.timestamp() * 1000)


def sid(kind, n):
    """A fixed UUIDv7-looking id: kind is 3 hex digits, n a sequence number."""
    h = "%012x" % BASE_MS
    return "%s-%s-7%s-8000-%012x" % (h[:8], h[8:], kind, n)


def ts(minutes=0, seconds=0):
    t = BASE + datetime.timedelta(minutes=minutes, seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def job_id(minutes, n):
    secs = int((BASE + datetime.timedelta(minutes=minutes)).timestamp())
    return "%08xfa4e03%010x" % (secs, n)


FIRST = ["Ava", "Liam", "Maya", "Noah", "Zara", "Ethan", "Lena", "Omar", "Ines", "Theo",
         "Priya", "Lucas", "Hana", "Mateo", "Freya", "Ravi", "Elena", "Kofi", "Sofia", "Jonas",
         "Amara", "Felix", "Nora", "Diego", "Yuki", "Leo", "Clara", "Samir", "Ingrid", "Tariq"]
LAST = ["Hartley", "Okafor", "Lindqvist", "Moreau", "Castellano", "Brennan", "Nakamura",
        "Fischer", "Adeyemi", "Kowalski", "Patel", "Andersen", "Rossi", "Delgado", "Novak",
        "Whitfield", "Haddad", "Larsen", "Costa", "Mbeki", "Vasquez", "Sato", "Keller",
        "Duarte", "Olsen", "Ferreira", "Quinn", "Horvat", "Bianchi", "Lund"]
COMPANIES = [("Brightloop", "brightloop.example"), ("Northwind Labs", "northwind-labs.example"),
             ("Cobalt Freight", "cobaltfreight.example"), ("Helio Health", "heliohealth.example"),
             ("Pinecrest Capital", "pinecrest.example"), ("Quarry Analytics", "quarry.example"),
             ("Tidewater Software", "tidewater.example"), ("Lumen & Co", "lumenco.example"),
             ("Redfern Robotics", "redfern.example"), ("Vantage Foods", "vantagefoods.example"),
             ("Orbital Media", "orbitalmedia.example"), ("Granite Legal", "granitelegal.example")]
TITLES = ["Head of Growth", "VP Sales", "CTO", "Marketing Director", "Founder & CEO",
          "Operations Manager", "Revenue Lead", "Product Manager", "Head of Partnerships"]
CITIES = ["Austin", "Berlin", "Lisbon", "Toronto", "Melbourne", "Chicago", "Dublin", "Oslo"]


def sequences(steps):
    """steps: list of (delay_days, [(subject, body), ...])."""
    return [{"steps": [{"type": "email", "delay": d, "delay_unit": "days",
                        "variants": [{"subject": s, "body": b} for s, b in variants]}
                       for d, variants in steps]}]


def subsequence(n, campaign, name, status, conditions, steps, minutes, **extra):
    """A subsequence of campaign; steps as for sequences(), the first one
    waiting a day after the lead enters (pre_delay)."""
    seq = sequences(steps)
    if seq[0]["steps"]:
        seq[0]["steps"][0].update(pre_delay=1, pre_delay_unit="days")
    return dict({"id": sid("5b5", n), "parent_campaign": campaign, "name": name,
                 "status": status, "conditions": conditions, "sequences": seq,
                 "subsequence_schedule": schedule(), "timestamp_created": ts(minutes)},
                **extra)


def schedule(tz="America/Chicago"):
    return M.default_schedule(tz)


# ----------------------------------------------------------------- test seed

WS = sid("0ff", 1)
OWNER = sid("05e", 1)
C = {n: sid("ca0", n) for n in range(1, 9)}
LIST = {n: sid("115", n) for n in range(1, 4)}
ACC = ["sales@acme-outbound.example", "outreach@acme-outbound.example",
       "hello@acme-mail.example"]
LONG_NAME = ("Very Long Campaign Name " * 13)[:299] + "!"


class LeadMaker:
    """Leads with increasing ids, so id order is creation order."""

    def __init__(self, rng):
        self.rng = rng
        self.n = 0
        self.leads = []

    def add(self, email, campaign=None, list_id=None, **fields):
        self.n += 1
        first = fields.pop("first_name", self.rng.choice(FIRST))
        last = fields.pop("last_name", self.rng.choice(LAST))
        company, domain = self.rng.choice(COMPANIES)
        company = fields.pop("company_name", company)
        domain = fields.pop("website", "https://" + domain)[len("https://"):]
        lead = {"id": sid("1ea", self.n), "timestamp_created": ts(0, self.n),
                "timestamp_updated": ts(0, self.n),
                "campaign": campaign, "email": email, "first_name": first, "last_name": last,
                "company_name": company, "job_title": self.rng.choice(TITLES),
                "website": "https://" + domain, "phone": "+1 555 01%02d" % (self.n % 100),
                "personalization": "Saw %s is hiring; congrats on the growth." % company,
                "list_id": list_id, "upload_method": "api", "verification_status": 1,
                "enrichment_status": 1, "esp_code": 1}
        lead.update(fields)
        self.leads.append(lead)
        return lead


def test_leads(rng):
    mk = LeadMaker(rng)
    for k in range(1, 250):
        extra = {}
        if k % 10 == 0:
            extra["payload"] = {"tier": "gold", "score": 80 + k % 20, "trial": k % 20 == 0,
                                "notes": None}
        if k % 7 == 0:
            extra.update(status=3, email_open_count=2, email_reply_count=1,
                         timestamp_last_contact=ts(60 * 24 * 3), lt_interest_status=1)
        if k % 31 == 0:
            extra.update(status=-1)
        mk.add("big%03d@bigcorp.example" % k, C[1], **extra)
    mk.add("multi@shared.example", C[1], first_name="Morgan", last_name="Multi")
    for k in range(1, 4):
        # Interest statuses: Not Interested, Out of Office, none.
        status = {1: {"lt_interest_status": -1}, 2: {"lt_interest_status": 0}}.get(k, {})
        mk.add("dn1-%d@dup-name.example" % k, C[2], **status)
    for k in range(1, 3):
        mk.add("dn2-%d@dup-name.example" % k, C[3])
    q3 = [("", "Empty", "Email", {}), (None, "Null", "Email", {}),
          ("shared@dup.example", "Ada", "First", {}),
          ("shared@dup.example", "Ada", "Second", {}),
          ("multi@shared.example", "Morgan", "Multi", {}),
          ("o'brien+q3@irish.example", "Aoife", "O'Brien", {}),
          ("Mixed.Case@Example.COM", "Mixed", "Case", {}),
          ("payload@vars.example", "Pay", "Load",
           {"payload": {"plan": "pro", "seats": 12, "renewal": "2026-12-01", "active": True,
                        "discount": 0.15, "referrer": None}})]
    for email, first, last, extra in q3:
        mk.add(email, C[4], first_name=first, last_name=last, **extra)
    mk.add("dots1@dots.example", C[5], status=3)
    mk.add("dots2@dots.example", C[5], status=3)
    mk.add("long1@long.example", C[6])
    mk.add("juergen@cafe-muenster.example", C[7], first_name="Jürgen", last_name="Müller",
           company_name="Café Münster GmbH", job_title="Geschäftsführer")
    mk.add("zoe@cafe-muenster.example", C[7], first_name="Zoë", last_name="Brontë",
           payload={"stadt": "Münster", "größe": 12})
    mk.add("multi@shared.example", C[7], first_name="Morgan", last_name="Multi")
    mk.add("winter1@winter.example", C[8], lt_interest_status=2)
    mk.add("winter2@winter.example", C[8])
    for k in range(1, 31):
        mk.add("conf%02d@attendees.example" % k, None, LIST[1],
               payload={"booth": "B%d" % (k % 12), "badge_scanned": k % 2 == 0})
    for k in range(1, 4):
        mk.add("partner%d@resellers.example" % k, None, LIST[2])
    return mk.leads


def test_campaigns():
    seq = sequences([(0, [("Quick question, {{firstName}}", "Hi {{firstName}},<br/>..."),
                          ("Idea for {{companyName}}", "Hello {{firstName}},<br/>...")]),
                     (3, [("Following up", "Just bumping this up.")])])
    rows = [(1, "Big Campaign", 1, seq, [ACC[0], ACC[2]], 500),
            (2, "Duplicate Name", 0, [], [], None),
            (3, "Duplicate Name", 2, seq, [ACC[1]], None),
            (4, "Q3 / 50% Outbound", 1, seq, [ACC[0]], 250),
            (5, "..", 3, seq, [ACC[2]], None),
            (6, LONG_NAME, 0, [], [], None),
            (7, "Café Münster ☕", 2, seq, [ACC[1]], None),
            (8, "Winter Reactivation", 4, seq, [ACC[0]], None)]
    out = []
    for n, name, status, sq, accounts, pl in rows:
        out.append({"id": C[n], "name": name, "status": status, "pl_value": pl,
                    "campaign_schedule": schedule("Europe/Belgrade" if n == 7 else
                                                  "America/Chicago"),
                    "sequences": sq, "email_list": accounts,
                    "timestamp_created": ts(-60 * 24 * (17 - n)),
                    "timestamp_updated": ts(-60 * 24 * (17 - n) + 30)})
    return out


def test_accounts():
    base = {"warmup": {"limit": 40, "advanced": {"warm_ctd": False, "open_rate": 0.95,
                                                 "important_rate": 0.8, "read_emulation": True,
                                                 "spam_save_rate": 0.02, "weekday_only": True},
                       "warmup_custom_ftag": "warmup", "increment": "disabled",
                       "reply_rate": 0.1}}
    return [
        dict(base, email=ACC[0], first_name="Sam", last_name="Sender", status=1,
             warmup_status=1, provider_code=2, daily_limit=50, stat_warmup_score=97,
             timestamp_warmup_start=ts(-60 * 24 * 29), signature="Best, Sam",
             timestamp_created=ts(-60 * 24 * 30), timestamp_updated=ts(-60 * 24 * 2)),
        dict(base, email=ACC[1], first_name="Riley", last_name="Reach", status=2,
             warmup_status=0, provider_code=3, daily_limit=30, stat_warmup_score=74,
             timestamp_warmup_start=ts(-60 * 24 * 28),
             timestamp_created=ts(-60 * 24 * 29), timestamp_updated=ts(-60 * 24 * 1)),
        dict(base, email=ACC[2], first_name="Hollis", last_name="Hello", status=1,
             warmup_status=0, provider_code=1, daily_limit=20,
             timestamp_created=ts(-60 * 24 * 28), timestamp_updated=ts(-60 * 24 * 28)),
    ]


def thread_emails(tid, start_min, lead, account, campaign, messages, first_id):
    """messages: list of (direction, unread, subject, text, html) ; direction in/out."""
    out = []
    for i, (direction, unread, subject, text, markup) in enumerate(messages):
        when = ts(start_min + i * 95)
        body = {}
        if text is not None:
            body["text"] = text
        if markup is not None:
            body["html"] = markup
        incoming = direction == "in"
        preview = text if text is not None else strip_tags(markup)
        out.append({
            "id": sid("e3a", first_id + i), "timestamp_created": when, "timestamp_email": when,
            "message_id": "<%s.%d@%s>" % (tid[-6:], i, "mail.example"),
            "subject": subject,
            "from_address_email": lead["email"] if incoming else account,
            "to_address_email_list": account if incoming else lead["email"],
            "body": body, "campaign_id": campaign, "lead": lead["email"],
            "lead_id": lead["id"], "eaccount": account,
            "ue_type": 2 if incoming else (1 if i == 0 else 3),
            "step": "0_0" if i == 0 and not incoming else None,
            "is_unread": 1 if unread else 0, "is_auto_reply": 0,
            "is_focused": 1, "i_status": 1 if incoming and i > 0 else None,
            "thread_id": tid, "content_preview": preview[:100]})
    return out


def strip_tags(markup):
    return re.sub(r"<[^>]+>", " ", markup or "").strip()


def test_emails(leads):
    by_email = {}
    for l in leads:
        by_email.setdefault(l["email"], l)
    big = by_email["big007@bigcorp.example"]
    q3 = by_email["payload@vars.example"]
    cafe = by_email["juergen@cafe-muenster.example"]
    out = []
    n = 1

    def thread(k, lead, account, campaign, msgs, start):
        nonlocal n
        tid = sid("7d0", k)
        out.extend(thread_emails(tid, start, lead, account, campaign, msgs, n))
        n += len(msgs)

    def msg(direction, unread, subject, text, markup="auto"):
        if markup == "auto":
            markup = text.replace("\n", "<br/>") if text else text
        return (direction, unread, subject, text, markup)

    thread(1, big, ACC[0], C[1], [
        msg("out", 0, "Quick question, Ava", "Hi Ava,\nDo you have 15 minutes this week?"),
        msg("in", 1, "Re: Quick question, Ava", "Sure, Thursday works.\nSend an invite."),
        msg("out", 0, "Re: Quick question, Ava", "Great, invite sent for Thursday 10:00."),
        msg("in", 1, "Re: Quick question, Ava", "Got it, see you then.")], 60 * 24 * 1)
    thread(2, by_email["big014@bigcorp.example"], ACC[0], C[1], [
        msg("out", 0, "Idea for Brightloop", "Hello,\nA short idea for your outbound."),
        msg("in", 0, "Re: Idea for Brightloop", "Not interested, thanks."),
        msg("out", 0, "Re: Idea for Brightloop", "Understood, all the best.")], 60 * 24 * 2)
    thread(3, q3, ACC[0], C[4], [
        msg("out", 0, "Q3 planning", "Hi,\nAre you planning Q3 outbound yet?"),
        msg("in", 1, "Re: Q3 planning", "Yes, 50% of our budget goes to outbound."),
        msg("in", 1, "Re: Q3 planning", "Also: can you send pricing?")], 60 * 24 * 3)
    thread(4, by_email["multi@shared.example"], ACC[2], C[1], [
        msg("out", 0, "Checking in", "Hi Morgan,\nChecking in on last week."),
        msg("in", 0, "Re: Checking in", "Out of office until Monday.", None),
        msg("out", 0, "Re: Checking in", "Thanks, I will follow up Monday."),
        msg("in", 0, "Re: Checking in", "Back now. Let's talk.")], 60 * 24 * 4)
    thread(5, cafe, ACC[1], C[7], [
        msg("out", 0, "Grüße aus Berlin", "Hallo Jürgen,\nhaben Sie kurz Zeit?"),
        msg("in", 1, "Re: Grüße aus Berlin", "Gerne, nächste Woche.\nViele Grüße"),
        msg("out", 0, "Re: Grüße aus Berlin", "Danke! Ich melde mich.")], 60 * 24 * 5)
    thread(6, by_email["big021@bigcorp.example"], ACC[0], C[1], [
        msg("out", 0, "Following up", "Just bumping this up."),
        msg("in", 0, "Re: Following up", "Please remove me from your list."),
        msg("out", 0, "Re: Following up", "Done, sorry for the noise.")], 60 * 24 * 6)
    thread(7, by_email["shared@dup.example"], ACC[0], C[4], [
        msg("out", 0, "Newsletter: what's new", "Our October update."),
        msg("in", 1, "Re: Newsletter: what's new", None,
            "<p>Thanks for the <b>update</b>!</p><p>Can we get a demo &amp; a quote?</p>"),
        msg("out", 0, "Re: Newsletter: what's new", "Sure, booking link below.")],
        60 * 24 * 7)
    thread(8, by_email["big035@bigcorp.example"], ACC[2], C[1], [
        msg("out", 0, "Intro", "Hi,\nIntroducing ourselves briefly."),
        msg("in", 0, "Re: Intro", "Thanks, we are all set for now.")], 60 * 24 * 8)
    return out


def test_subsequences():
    """Subsequence ids are …5b5-8000-00000000000N."""
    hot = [(1, [("Great to hear, {{firstName}}", "Here is a link to book a time.<br/>Talk soon."),
                ("Next steps", "Hi {{firstName}},<br/>shall we set up a call?")]),
           (2, [("Still keen?", "Just checking the link worked.")])]
    nudge = [(2, [("One more idea", "Hi {{firstName}},<br/>one last idea before I go.")])]
    return [
        subsequence(1, C[1], "Interested leads", 1, {"crm_status": [1, 2]}, hot, -600),
        subsequence(2, C[1], "No reply nudge", 2, {"lead_activity": [91]}, nudge, -590,
                    daily_limit_mode="custom", daily_limit=40),
        subsequence(3, C[1], "Out of office / later", 0, {"crm_status": [0]}, nudge, -580),
        subsequence(4, C[4], "Re-engage", 1, {"reply_contains": "later"}, nudge, -570),
        subsequence(5, C[4], "Re-engage", 0, {"lead_activity": [2, 4]}, hot, -560),
        subsequence(6, C[8], "Winter warm-up", 1, {"lead_activity": [91]}, hot, -550)]


def lead_labels(rows, first):
    """rows: (label, interest_status_label, interest_status, description,
    use_with_ai)."""
    return [{"id": sid("1ab", first + i), "timestamp_created": ts(-400 + i), "label": label,
             "interest_status_label": polarity, "interest_status": status,
             "description": desc, "use_with_ai": ai}
            for i, (label, polarity, status, desc, ai) in enumerate(rows)]


# Custom lead labels.  No lead of the test seed carries one: the spec's
# Lead.lt_interest_status enum lists the built-in values only.
TEST_LABELS = [("Hot Lead", "positive", 5, "Ready to buy this quarter", True),
               ("Not Now", "negative", -5, None, None),
               ("Needs Nurture", "neutral", 6, "Long cycle: keep in touch", False)]


def test_seed():
    return dict(test_workspace(), **test_team())


def test_workspace():
    rng = random.Random(20261001)
    leads = test_leads(rng)
    tags = [{"id": sid("7a9", 1), "label": "VIP", "description": "Top campaigns and senders",
             "timestamp_created": ts(-600), "timestamp_updated": ts(-600)},
            {"id": sid("7a9", 2), "label": "Q3 Push", "description": None,
             "timestamp_created": ts(-590), "timestamp_updated": ts(-500)},
            {"id": sid("7a9", 3), "label": "EU/DACH", "description": "German-speaking markets",
             "timestamp_created": ts(-580), "timestamp_updated": ts(-580)}]
    maps = [(1, C[1], 2), (1, ACC[0], 1), (2, C[4], 2), (2, C[1], 2), (3, C[7], 2),
            (3, ACC[1], 1)]
    return {
        "lead_labels": lead_labels(TEST_LABELS, 1),
        **test_webhooks(),
        "workspace": {"id": WS, "owner": OWNER, "name": "Fake Test Workspace",
                      "timestamp_created": ts(-60 * 24 * 60),
                      "timestamp_updated": ts(-60 * 24 * 10)},
        "campaigns": test_campaigns(),
        "lead_lists": [
            {"id": LIST[1], "name": "Conference Attendees 2026", "timestamp_created": ts(-900)},
            {"id": LIST[2], "name": "Partners / Resellers", "has_enrichment_task": True,
             "timestamp_created": ts(-800)},
            {"id": LIST[3], "name": "Empty List", "timestamp_created": ts(-700)}],
        "leads": leads,
        "accounts": test_accounts(),
        "emails": test_emails(leads),
        "block_list": [{"id": sid("b10", i + 1), "bl_value": v,
                        "timestamp_created": ts(-400 + i)}
                       for i, v in enumerate(["spam-domain.example", "competitor.example",
                                              "blocked.person@mail.example",
                                              "no-reply@bounce.example"])],
        "custom_tags": tags,
        "custom_tag_mappings": [{"id": sid("3a9", i + 1), "tag_id": sid("7a9", t),
                                 "resource_id": r, "resource_type": rt,
                                 "timestamp_created": ts(-300 + i)}
                                for i, (t, r, rt) in enumerate(maps)],
        "background_jobs": [
            {"id": job_id(60 * 24 * 4, 1), "type": "move-leads", "entity_type": "campaign",
             "entity_id": C[1], "status": "success", "progress": 100,
             "data": {"moved_lead_emails": ["big001@bigcorp.example", "big002@bigcorp.example"],
                      "moved_leads": 2},
             "created_at": ts(60 * 24 * 4), "updated_at": ts(60 * 24 * 4 + 2)},
            {"id": job_id(60 * 24 * 5, 2), "type": "update-warmup-accounts",
             "entity_type": "workspace", "entity_id": WS, "status": "in-progress",
             "progress": 40, "data": {"emails": [ACC[2]], "enable": True},
             "created_at": ts(60 * 24 * 5), "updated_at": ts(60 * 24 * 5 + 1)}],
        "verifications": [{"email": "known.good@verified.example", "status": "success",
                           "verification_status": "verified", "catch_all": False,
                           "credits": 999, "credits_used": 1}],
        "connections": [
            {"connection_id": sid("c00", 1), "status": "ACTIVE", "app": "instantly",
             "creation_time": ts(-60 * 24 * 30), "last_updated_time": ts(-60 * 24 * 30)},
            {"connection_id": sid("c00", 2), "status": "ACTIVE", "app": "google-mail",
             "creation_time": ts(-60 * 24 * 20), "last_updated_time": ts(-60 * 24 * 20)}],
        "subsequences": test_subsequences(),
    }


# ----------------------------------------------------------------- webhooks

def webhooks(rows, events, kind):
    """Webhooks from (name, url, event_type, campaign, status) rows, and
    their deliveries from (webhook row, minutes, success, lead email) rows,
    newest last; kind makes the ids of one seed."""
    hooks = []
    for i, (name, url, event, campaign, status) in enumerate(rows):
        hooks.append({"id": sid(kind, i + 1), "name": name, "target_hook_url": url,
                      "event_type": event, "campaign": campaign, "status": status,
                      "timestamp_error": ts(-30) if status == -1 else None,
                      "headers": {"Authorization": "Bearer hook-%d" % (i + 1)} if i == 1
                      else None, "timestamp_created": ts(-60 * 24 * 7 + i)})
    out = []
    for j, (w, minutes, ok, lead) in enumerate(events):
        hook = hooks[w]
        out.append({"id": sid(kind, 100 + j), "timestamp_created": ts(minutes),
                    "webhook_url": hook["target_hook_url"], "success": ok,
                    "status_code": 200 if ok else 502,
                    "error_message": None if ok else "Bad Gateway from target",
                    "retry_count": 0 if ok else 2, "lead_email": lead,
                    "response_time_ms": 80 + 10 * j,
                    "payload": {"event_type": hook["event_type"] or "custom",
                                "lead_email": lead, "timestamp": ts(minutes)}})
    return {"webhooks": hooks, "webhook_events": out}


def test_webhooks():
    return webhooks(
        [("CRM Replies", "https://hooks.crm.example/instantly/replies", "reply_received",
          C[1], 1),
         ("Slack Interested", "https://hooks.slack.example/services/T0/B0", "lead_interested",
          None, 1),
         (None, "https://fail.example/hook", "all_events", None, -1),
         ("Zapier", "https://hooks.zapier.example/1", "email_opened", None, 1),
         ("Zapier", "https://hooks.zapier.example/2", "email_bounced", None, 1)],
        [(0, -200, True, "ann@lead.example"), (0, -150, True, "bob@lead.example"),
         (2, -120, False, "cid@lead.example"), (0, -90, True, "dee@lead.example"),
         (2, -60, False, "eve@lead.example"), (1, -30, True, "fay@lead.example")],
        "e0e")


def demo_webhooks():
    return webhooks(
        [("HubSpot Replies", "https://hooks.hubspot.example/instantly", "reply_received",
          None, 1),
         ("Slack #wins", "https://hooks.slack.example/services/T9/B9", "lead_meeting_booked",
          None, 1),
         ("Old Zap", "https://hooks.fail-zapier.example/legacy", "email_sent", None, -1)],
        [(0, -60 * 24 * 2, True, "maya.patel@brightloop.example"),
         (1, -60 * 24, True, "liam.okafor@northwind-labs.example"),
         (2, -60 * 20, False, "ava.hartley@quarry.example"),
         (0, -60 * 6, True, "noah.moreau@tidewater.example"),
         (2, -60 * 2, False, "zara.rossi@redfern.example"),
         (0, -45, True, "ethan.keller@heliohealth.example")],
        "e0e")


# ------------------------------------------- team, placement tests, audit log

AUDIT_KINDS = [(1, "login"), (2, "campaign_create"), (3, "campaign_update"),
               (4, "lead_import"), (5, "account_add"), (6, "campaign_launch")]


def team_members(ws_owner, rows, kind_n):
    """rows: (email, role, accepted, first, last, nickname)."""
    return [{"id": sid("3e3", kind_n + i), "email": email,
             "user_id": ws_owner if role == "owner" else sid("05e", kind_n + i),
             "user_email": email if accepted else None, "nickname": nick,
             "name": {"first": first, "last": last}, "role": role,
             "timestamp_created": ts(-60 * 24 * 50 + 60 * i), "accepted": accepted,
             "issuer_id": None if role == "owner" else ws_owner, "permissions": None}
            for i, (email, role, accepted, first, last, nick) in enumerate(rows)]


def placement(n, name, campaign, senders, analytics, reports, start_min):
    """A test, its per-mailbox results and its domain reports."""
    tid = sid("1b7", n)
    test = {"id": tid, "name": name, "campaign_id": campaign, "emails": senders,
            "email_subject": "Seed test %d" % n, "email_body": "Hello from the seed.",
            "recipients": ["seed-gmail@placement.example", "seed-outlook@placement.example"],
            "recipients_labels": [{"region": "North America", "sub_region": "US",
                                   "type": "Professional", "esp": "Google"}],
            "timestamp_created": ts(start_min), "test_code": "ptid_seed%04d" % n}
    rows = [{"id": sid("a1a", 100 * n + i), "test_id": tid,
             "timestamp_created": ts(start_min + 10 + i),
             "sender_email": senders[i % len(senders)],
             "recipient_email": test["recipients"][i % 2], "recipient_esp": 1 + i % 2,
             "is_spam": spam, "has_category": i % 3 == 0}
            for i, spam in enumerate(analytics)]
    reps = [{"id": sid("7e9", 100 * n + i), "test_id": tid, "domain": dom,
             "domain_ip": "192.0.2.%d" % (10 + i), "spam_assassin_score": score,
             "timestamp_created": ts(start_min + 20 + i)}
            for i, (dom, score) in enumerate(reports)]
    return test, rows, reps


def audit_entries(count, rng, users, campaigns):
    """count entries, one every few minutes back from the seed's base."""
    out, t = [], 60 * 24 * 6
    for i in range(count):
        t -= rng.randint(1, 9)
        kind, what = AUDIT_KINDS[rng.randrange(len(AUDIT_KINDS))]
        uid, uname = users[rng.randrange(len(users))]
        api = rng.random() < 0.3
        out.append({"id": sid("a0d", i + 1), "timestamp": ts(t), "activity_type": kind,
                    "user_id": uid, "user_name": uname, "from_api": api,
                    "ip_address": "198.51.100.%d" % (1 + rng.randrange(200)),
                    "user_agent": "instantly-api" if api else "Mozilla/5.0",
                    "campaign_id": campaigns[rng.randrange(len(campaigns))]
                    if kind in (2, 3, 6) else None,
                    "audit_metadata": {"action": what, "seq": i + 1}})
    return out


def test_team():
    members = team_members(OWNER, [
        ("owner@acme-outbound.example", "owner", True, "Olivia", "Owner", None),
        ("admin@acme-outbound.example", "admin", True, "Adam", "Admin", "Ops"),
        ("editor@acme-outbound.example", "editor", True, "Eve", "Editor", None),
        ("viewer@partner.example", "view", False, "", "", "Agency")], 1)
    t1 = placement(1, "Weekly Gmail check", C[1], [ACC[0], ACC[2]],
                   [False, False, True, False], [("acme-outbound.example", 1.2)], -60 * 24 * 3)
    t2 = placement(2, "Outlook / Q3", None, [ACC[1]], [True, False],
                   [("acme-mail.example", 4.5), ("acme-outbound.example", 0.4)], -60 * 24 * 2)
    users = [(m["user_id"], ("%s %s" % (m["name"]["first"], m["name"]["last"])).strip())
             for m in members if m["accepted"]]
    return {"workspace_members": members,
            "placement_tests": [t1[0], t2[0]],
            "placement_analytics": t1[1] + t2[1],
            "placement_reports": t1[2] + t2[2],
            "audit_logs": audit_entries(250, random.Random(1212), users,
                                        [C[1], C[3], C[4]])}


def demo_team(owner, campaigns, senders):
    members = team_members(owner, [
        ("dana@northwind.example", "owner", True, "Dana", "Whitfield", None),
        ("miguel@northwind.example", "admin", True, "Miguel", "Sousa", "RevOps"),
        ("priya@northwind.example", "editor", True, "Priya", "Raman", None),
        ("agency@brightloop.example", "view", False, "", "", "Agency")], 100)
    t1 = placement(100, "Monday deliverability", campaigns[0], senders[:2],
                   [False, False, False, True, False, False],
                   [(senders[0].split("@")[1], 0.8)], -60 * 24 * 7)
    users = [(m["user_id"], ("%s %s" % (m["name"]["first"], m["name"]["last"])).strip())
             for m in members if m["accepted"]]
    return {"workspace_members": members, "placement_tests": [t1[0]],
            "placement_analytics": t1[1], "placement_reports": t1[2],
            "audit_logs": audit_entries(320, random.Random(3131), users, campaigns)}


# ----------------------------------------------------------------- demo

def demo_seed():
    rng = random.Random(424242)
    ws, owner = sid("0ff", 9), sid("05e", 9)
    accounts = demo_accounts()
    emails_of = [a["email"] for a in accounts]
    camp_rows = [("Q4 SaaS Founders Outreach", 1, 110), ("Agency Partnerships EMEA", 2, 90),
                 ("Webinar Follow-up — Oct 2026", 3, 120), ("Holiday Promo 2026", 0, 60),
                 ("Re-engagement: Dormant Trials", 1, 100)]
    seq = sequences([(0, [("{{firstName}}, a quick idea for {{companyName}}",
                           "Hi {{firstName}},<br/><br/>{{personalization}}"),
                          ("Question about {{companyName}}'s outbound",
                           "Hello {{firstName}},<br/><br/>Short question.")]),
                     (3, [("Re: a quick idea", "Bumping this in case it got buried.")]),
                     (5, [("Last note", "Closing the loop, {{firstName}}.")])])
    campaigns, leads = [], []
    mk = LeadMaker(rng)
    for i, (name, status, n) in enumerate(camp_rows):
        cid = sid("ca0", 100 + i)
        campaigns.append({"id": cid, "name": name, "status": status,
                          "sequences": [] if status == 0 else seq,
                          "email_list": emails_of[: 2 + i % 2], "pl_value": 300 + 50 * i,
                          "campaign_schedule": schedule(["America/Chicago", "Europe/Belgrade",
                                                         "America/Detroit", "Europe/Isle_of_Man",
                                                         "America/Chicago"][i]),
                          "timestamp_created": ts(-60 * 24 * (40 - 5 * i)),
                          "timestamp_updated": ts(-60 * 24 * (10 - i))})
        for _ in range(n):
            leads.append(demo_lead(mk, rng, cid, None))
    # A third of the interested leads carry a custom label, the
    # "Champion" one; a third of those not interested, "Budget Next Year".
    custom = {1: 5, -1: -5}
    for i, lead in enumerate(leads):
        if lead.get("lt_interest_status") in custom and i % 3 == 0:
            lead["lt_interest_status"] = custom[lead["lt_interest_status"]]
    lists = []
    list_rows = [("Inbound Demo Requests", 40), ("Trade Show Leads — Berlin", 35),
                 ("Newsletter Subscribers", 25)]
    for i, (name, n) in enumerate(list_rows):
        lid = sid("115", 100 + i)
        lists.append({"id": lid, "name": name, "has_enrichment_task": i == 0,
                      "timestamp_created": ts(-60 * 24 * (30 - i))})
        for _ in range(n):
            leads.append(demo_lead(mk, rng, None, lid))
    tags = [{"id": sid("7a9", 100 + i), "label": label, "description": desc,
             "timestamp_created": ts(-60 * 24 * 20 + i),
             "timestamp_updated": ts(-60 * 24 * 20 + i)}
            for i, (label, desc) in enumerate([("Priority", "Revenue this quarter"),
                                               ("EMEA", None), ("Warm Leads", None),
                                               ("Needs Attention", "Something to fix")])]
    maps = [(0, campaigns[0]["id"], 2), (0, campaigns[4]["id"], 2), (1, campaigns[1]["id"], 2),
            (2, campaigns[2]["id"], 2), (3, emails_of[3], 1), (0, emails_of[0], 1),
            (1, emails_of[1], 1)]
    return {
        **demo_webhooks(),
        "workspace": {"id": ws, "owner": owner, "name": "Northwind Sales",
                      "timestamp_created": ts(-60 * 24 * 90), "timestamp_updated": ts(-60 * 24)},
        "campaigns": campaigns, "lead_lists": lists, "leads": leads, "accounts": accounts,
        "lead_labels": lead_labels([("Champion", "positive", 5, "Pushes for us inside", True),
                                    ("Budget Next Year", "negative", -5, None, False),
                                    ("Referral", "neutral", 6, "Sent us to someone else",
                                     None)], 100),
        "emails": demo_emails(rng, campaigns, leads, emails_of),
        "block_list": [{"id": sid("b10", 100 + i), "bl_value": v,
                        "timestamp_created": ts(-500 + i)}
                       for i, v in enumerate(["competitor-one.example", "spamtrap.example",
                                              "mailinator.example", "ceo@competitor-one.example",
                                              "unsubscribe-me@tidewater.example",
                                              "legal@granitelegal.example"])],
        "custom_tags": tags,
        "custom_tag_mappings": [{"id": sid("3a9", 100 + i), "tag_id": tags[t]["id"],
                                 "resource_id": r, "resource_type": rt,
                                 "timestamp_created": ts(-60 * 24 * 19 + i)}
                                for i, (t, r, rt) in enumerate(maps)],
        "background_jobs": [
            {"id": job_id(-60 * 24 * 3, 100), "type": "import-leads", "entity_type": "list",
             "entity_id": lists[1]["id"], "status": "success", "progress": 100,
             "data": {"success_count": 35, "failed_count": 0, "total_to_process": 35},
             "created_at": ts(-60 * 24 * 3), "updated_at": ts(-60 * 24 * 3 + 4)},
            {"id": job_id(-60 * 5, 101), "type": "move-leads", "entity_type": "campaign",
             "entity_id": campaigns[4]["id"], "status": "success", "progress": 100,
             "data": {"moved_lead_emails": [leads[0]["email"]], "moved_leads": 1},
             "created_at": ts(-60 * 5), "updated_at": ts(-60 * 5 + 1)}],
        "connections": [{"connection_id": sid("c00", 100), "status": "ACTIVE",
                         "app": "instantly", "creation_time": ts(-60 * 24 * 60)}],
        "subsequences": demo_subsequences(campaigns),
        **demo_team(owner, [c["id"] for c in campaigns], emails_of),
    }


def demo_subsequences(campaigns):
    booked = [(1, [("Looking forward to it, {{firstName}}",
                    "Hi {{firstName}},<br/><br/>here is the agenda for our call.")]),
              (3, [("Notes from our call", "Thanks for your time.<br/>The notes are below."),
                   ("Recap for {{companyName}}", "Hi {{firstName}},<br/>a short recap.")])]
    quiet = [(2, [("Did this land at a bad time?",
                   "Hi {{firstName}},<br/><br/>happy to pick this up next quarter.")])]
    rows = [(0, "Meeting booked", 1, {"crm_status": [2]}, booked),
            (0, "Completed without reply", 1, {"lead_activity": [91]}, quiet),
            (1, "Interested — send case study", 2, {"crm_status": [1]}, booked),
            (4, "Opened but no reply", 0, {"lead_activity": [2]}, quiet)]
    return [subsequence(100 + i, campaigns[c]["id"], name, status, cond, steps,
                        -60 * 24 * (20 - i))
            for i, (c, name, status, cond, steps) in enumerate(rows)]


def demo_accounts():
    return [
        {"email": "alex@northwind-sales.example", "first_name": "Alex", "last_name": "Rivers",
         "status": 1, "warmup_status": 1, "provider_code": 2, "daily_limit": 60,
         "stat_warmup_score": 98, "timestamp_warmup_start": ts(-60 * 24 * 80),
         "timestamp_created": ts(-60 * 24 * 85), "timestamp_updated": ts(-60 * 24 * 2)},
        {"email": "jordan@northwind-sales.example", "first_name": "Jordan", "last_name": "Vale",
         "status": 1, "warmup_status": 0, "provider_code": 3, "daily_limit": 40,
         "stat_warmup_score": 88, "timestamp_created": ts(-60 * 24 * 84),
         "timestamp_updated": ts(-60 * 24 * 3)},
        {"email": "outreach@northwind.example", "first_name": "Casey", "last_name": "Marsh",
         "status": 2, "warmup_status": 1, "provider_code": 1, "daily_limit": 30,
         "stat_warmup_score": 91, "timestamp_warmup_start": ts(-60 * 24 * 70),
         "timestamp_created": ts(-60 * 24 * 83), "timestamp_updated": ts(-60 * 24 * 4)},
        {"email": "team@northwind-mail.example", "first_name": "Robin", "last_name": "Hale",
         "status": -1, "warmup_status": -2, "provider_code": 1, "daily_limit": 25,
         "status_message": {"code": "EAUTH", "command": "AUTH PLAIN",
                            "response": "535 5.7.8 Authentication failed",
                            "e_message": "Invalid login: 535 5.7.8 Authentication failed",
                            "responseCode": 535},
         "timestamp_created": ts(-60 * 24 * 82), "timestamp_updated": ts(-60 * 24)},
    ]


def demo_lead(mk, rng, campaign, list_id):
    first, last = rng.choice(FIRST), rng.choice(LAST)
    company, domain = rng.choice(COMPANIES)
    email = "%s.%s%d@%s" % (first.lower(), last.lower(), mk.n + 1, domain)
    payload = {"industry": rng.choice(["SaaS", "Logistics", "Healthcare", "Finance", "Media"]),
               "employees": rng.choice([12, 45, 120, 380, 1500]),
               "city": rng.choice(CITIES), "trial_user": rng.random() < 0.3}
    status = rng.choice([1, 1, 1, 1, 3, -1]) if campaign else 1
    extra = {}
    if campaign and rng.random() < 0.4:
        extra = {"email_open_count": rng.randint(1, 5), "timestamp_last_contact": ts(
            rng.randint(0, 60 * 24 * 20))}
        if rng.random() < 0.3:
            extra.update(email_reply_count=1, lt_interest_status=rng.choice([1, 2, -1, 0]))
    return mk.add(email, campaign, list_id, first_name=first, last_name=last,
                  company_name=company, website="https://" + domain, payload=payload,
                  status=status, **extra)


DEMO_LINES = [
    ("Hi {first},\nI noticed {company} is growing its sales team. Worth a chat?",
     "Thanks for reaching out. What would this cost for a team of 10?",
     "For 10 seats it is $490/month. Happy to walk you through it.",
     "Sounds good. Can you do Thursday at 3pm?"),
    ("Hello {first},\nQuick idea to lift reply rates at {company}.",
     "I'm out of the office until Monday with limited access to email.",
     "No rush, I'll follow up next week.",
     "Back now. Please send over the case study."),
    ("Hi {first},\nFollowing up on the webinar — here are the slides.",
     "Great session, thank you! Could you share the recording too?",
     "Here it is. Let me know if questions come up.",
     None),
]


def demo_emails(rng, campaigns, leads, accounts):
    out = []
    n = 1000
    active = [c for c in campaigns if c["status"] != 0]
    camp_leads = [l for l in leads if l.get("campaign") in {c["id"] for c in active}]
    picked = rng.sample(camp_leads, 20)
    for t, lead in enumerate(picked):
        tid = sid("7d0", 100 + t)
        lines = DEMO_LINES[t % len(DEMO_LINES)]
        count = 2 + t % 3
        msgs = []
        for i in range(count):
            text = lines[i] if i < len(lines) and lines[i] else "Thanks, talk soon."
            text = text.format(first=lead["first_name"], company=lead["company_name"])
            direction = "out" if i % 2 == 0 else "in"
            unread = direction == "in" and i == count - 1 and t % 2 == 0
            subject = ("Re: " if i else "") + "A quick idea for %s" % lead["company_name"]
            markup = "<div>%s</div>" % text.replace("\n", "<br/>")
            msgs.append((direction, unread, subject, text, markup))
        account = lead.get("campaign") and next(
            c["email_list"][0] for c in campaigns if c["id"] == lead["campaign"])
        out.extend(thread_emails(tid, 60 * 24 * (1 + t % 20) + t * 17, lead, account,
                                 lead["campaign"], msgs, n))
        n += count
    return out


# ----------------------------------------------------------------- --leads N

def add_generated_leads(state, count, campaign_id=None):
    """Add count leads to one campaign (default: the first), quickly."""
    if count <= 0:
        return None
    if campaign_id is not None and state.campaigns.get(campaign_id) is None:
        raise ValueError("--leads-campaign %s: no such campaign" % campaign_id)
    if campaign_id is None:
        ids = state.campaigns.ids_in_order()
        if ids:
            campaign_id = ids[0]
        else:
            now = M.now_iso()
            campaign_id = state.ids.uuid7()
            state.campaigns.add(M.shape(M.CAMPAIGN, {
                "id": campaign_id, "name": "Generated Leads", "timestamp_created": now,
                "timestamp_updated": now}, state.ctx))
    rng = random.Random(99)
    now = M.now_iso()
    firsts = [f.lower() for f in FIRST]
    lasts = [l.lower() for l in LAST]
    nf, nl, nc = len(FIRST), len(LAST), len(COMPANIES)
    for i in range(count):
        r = rng.getrandbits(32)
        fi, li, ci = r % nf, (r >> 8) % nl, (r >> 16) % nc
        state.add_lead({"id": state.ids.uuid7(), "timestamp_created": now,
                        "timestamp_updated": now, "campaign": campaign_id,
                        "email": "%s.%s.%d@%s" % (firsts[fi], lasts[li], i, COMPANIES[ci][1]),
                        "first_name": FIRST[fi], "last_name": LAST[li],
                        "company_name": COMPANIES[ci][0]})
    return campaign_id


# ---------------------------------------------------------------- --emails N

def add_generated_emails(state, count):
    """Add count messages to the inbox, four to a thread, between the first
    lead and the first account; one in seven unread."""
    if count <= 0:
        return
    lead_id = state.leads.keys[0] if state.leads.keys else None
    lead = state.render_lead(state.leads.by_id[lead_id]) if lead_id else \
        {"id": None, "email": "someone@example.com", "campaign": None}
    accounts = state.accounts.ids_in_order()
    account = accounts[0] if accounts else "sales@example.com"
    words = ["pricing", "demo", "onboarding", "renewal", "invoice", "meeting"]
    for i in range(count):
        tid = sid("7d1", i // 4 + 1)
        when = ts(-i)           # newest first: message 0 is the newest
        incoming = i % 2 == 0
        text = "Message %d about %s.\nThanks,\n%s" % (i, words[i % len(words)],
                                                     lead["email"])
        state.emails.add(M.shape(M.EMAIL, {
            "id": sid("e3b", i + 1), "timestamp_created": when, "timestamp_email": when,
            "message_id": "<gen.%d@mail.example>" % i, "subject": "Thread %d" % (i // 4),
            "from_address_email": lead["email"] if incoming else account,
            "to_address_email_list": account if incoming else lead["email"],
            "body": {"text": text}, "campaign_id": lead.get("campaign"),
            "lead": lead["email"], "lead_id": lead["id"], "eaccount": account,
            "ue_type": 2 if incoming else 3, "is_unread": 1 if i % 7 == 0 else 0,
            "is_auto_reply": 0, "is_focused": 1, "thread_id": tid,
            "content_preview": text[:100]}, state.ctx))


def main(argv):
    from fake_state import State
    which = argv[1] if len(argv) > 1 else "test"
    raw = test_seed() if which == "test" else demo_seed()
    st = State()
    st.load(raw)
    json.dump(st.dump(), sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv)
