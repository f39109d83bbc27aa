"""The route table: (method, path template) -> handler.

Owns: the list of every endpoint the fake serves, written with the spec's
own path templates (so stats keys and spec look-ups use the same names),
and the matcher from a concrete path to (route, path parameters). A literal
segment beats a parameter, so /campaigns/analytics is not /campaigns/{id}.

Adding an endpoint is one row here and one handler function.
"""

from urllib.parse import unquote

import fake_h_campaigns as C
import fake_h_inbox as I
import fake_h_labels as B
import fake_h_leads as L
import fake_h_misc as X
import fake_h_subseq as S
import fake_h_webhooks as W
import fake_h_team as T

V2 = "/api/v2"

ROUTES = [
    ("GET", V2 + "/workspaces/current", C.get_workspace),
    ("PATCH", V2 + "/workspaces/current", C.patch_workspace),

    ("GET", V2 + "/campaigns", C.list_campaigns),
    ("POST", V2 + "/campaigns", C.create_campaign),
    ("GET", V2 + "/campaigns/{id}", C.get_campaign),
    ("PATCH", V2 + "/campaigns/{id}", C.patch_campaign),
    ("DELETE", V2 + "/campaigns/{id}", C.delete_campaign),
    ("POST", V2 + "/campaigns/{id}/activate", C.activate_campaign),
    ("POST", V2 + "/campaigns/{id}/pause", C.pause_campaign),
    ("GET", V2 + "/campaigns/search-by-contact", C.search_by_contact),
    ("GET", V2 + "/campaigns/analytics", C.campaign_analytics),
    ("GET", V2 + "/campaigns/analytics/overview", C.analytics_overview),
    ("GET", V2 + "/campaigns/analytics/daily", C.analytics_daily),
    ("GET", V2 + "/campaigns/analytics/steps", C.analytics_steps),

    ("POST", V2 + "/leads/list", L.list_leads),
    ("POST", V2 + "/leads", L.create_lead),
    ("POST", V2 + "/leads/add", L.add_leads),
    ("POST", V2 + "/leads/move", L.move_leads),
    ("GET", V2 + "/leads/{id}", L.get_lead),
    ("PATCH", V2 + "/leads/{id}", L.patch_lead),
    ("DELETE", V2 + "/leads/{id}", L.delete_lead),

    ("GET", V2 + "/lead-lists", L.list_lead_lists),
    ("POST", V2 + "/lead-lists", L.create_lead_list),
    ("GET", V2 + "/lead-lists/{id}", L.get_lead_list),
    ("PATCH", V2 + "/lead-lists/{id}", L.patch_lead_list),
    ("DELETE", V2 + "/lead-lists/{id}", L.delete_lead_list),

    ("GET", V2 + "/accounts", I.list_accounts),
    ("POST", V2 + "/accounts", I.create_account),
    ("GET", V2 + "/accounts/{email}", I.get_account),
    ("PATCH", V2 + "/accounts/{email}", I.patch_account),
    ("DELETE", V2 + "/accounts/{email}", I.delete_account),
    ("POST", V2 + "/accounts/{email}/pause", I.pause_account),
    ("POST", V2 + "/accounts/{email}/resume", I.resume_account),
    ("POST", V2 + "/accounts/warmup/enable", I.enable_warmup),
    ("POST", V2 + "/accounts/warmup/disable", I.disable_warmup),
    ("POST", V2 + "/accounts/warmup-analytics", I.warmup_analytics),

    ("GET", V2 + "/emails", I.list_emails),
    ("GET", V2 + "/emails/unread/count", I.unread_count),
    ("GET", V2 + "/emails/{id}", I.get_email),
    ("PATCH", V2 + "/emails/{id}", I.patch_email),
    ("DELETE", V2 + "/emails/{id}", I.delete_email),
    ("POST", V2 + "/emails/reply", I.reply_email),
    ("POST", V2 + "/emails/forward", I.forward_email),
    ("POST", V2 + "/emails/threads/{thread_id}/mark-as-read", I.mark_thread_read),

    ("POST", V2 + "/email-verification", I.create_verification),
    ("GET", V2 + "/email-verification/{email}", I.get_verification),

    ("GET", V2 + "/block-lists-entries", X.list_block_list),
    ("POST", V2 + "/block-lists-entries", X.create_block_entry),
    ("GET", V2 + "/block-lists-entries/{id}", X.get_block_entry),
    ("PATCH", V2 + "/block-lists-entries/{id}", X.patch_block_entry),
    ("DELETE", V2 + "/block-lists-entries/{id}", X.delete_block_entry),

    ("GET", V2 + "/custom-tags", X.list_tags),
    ("POST", V2 + "/custom-tags", X.create_tag),
    ("GET", V2 + "/custom-tags/{id}", X.get_tag),
    ("PATCH", V2 + "/custom-tags/{id}", X.patch_tag),
    ("DELETE", V2 + "/custom-tags/{id}", X.delete_tag),
    ("POST", V2 + "/custom-tags/toggle-resource", X.toggle_resource),
    ("GET", V2 + "/custom-tag-mappings", X.list_tag_mappings),

    ("GET", V2 + "/lead-labels", B.list_lead_labels),
    ("POST", V2 + "/lead-labels", B.create_lead_label),
    ("GET", V2 + "/lead-labels/{id}", B.get_lead_label),
    ("PATCH", V2 + "/lead-labels/{id}", B.patch_lead_label),
    ("DELETE", V2 + "/lead-labels/{id}", B.delete_lead_label),
    ("POST", V2 + "/leads/update-interest-status", B.update_interest_status),

    ("GET", V2 + "/background-jobs", X.list_jobs),
    ("GET", V2 + "/background-jobs/{id}", X.get_job),

    ("GET", V2 + "/campaigns/{id}/sending-status", S.campaign_sending_status),
    ("GET", V2 + "/subsequences", S.list_subsequences),
    ("POST", V2 + "/subsequences", S.create_subsequence),
    ("GET", V2 + "/subsequences/{id}", S.get_subsequence),
    ("PATCH", V2 + "/subsequences/{id}", S.patch_subsequence),
    ("DELETE", V2 + "/subsequences/{id}", S.delete_subsequence),
    ("POST", V2 + "/subsequences/{id}/pause", S.pause_subsequence),
    ("POST", V2 + "/subsequences/{id}/resume", S.resume_subsequence),
    ("POST", V2 + "/subsequences/{id}/duplicate", S.duplicate_subsequence),
    ("GET", V2 + "/subsequences/{id}/sending-status", S.subsequence_sending_status),
    *[(m, V2 + p, h) for m, p, h in W.ROUTES],
    ("GET", V2 + "/workspace-members", T.list_members),
    ("POST", V2 + "/workspace-members", T.create_member),
    ("GET", V2 + "/workspace-members/{id}", T.get_member),
    ("PATCH", V2 + "/workspace-members/{id}", T.patch_member),
    ("DELETE", V2 + "/workspace-members/{id}", T.delete_member),
    ("GET", V2 + "/inbox-placement-tests", T.list_placement_tests),
    ("GET", V2 + "/inbox-placement-tests/{id}", T.get_placement_test),
    ("PATCH", V2 + "/inbox-placement-tests/{id}", T.patch_placement_test),
    ("DELETE", V2 + "/inbox-placement-tests/{id}", T.delete_placement_test),
    ("GET", V2 + "/inbox-placement-analytics", T.list_placement_analytics),
    ("GET", V2 + "/inbox-placement-reports", T.list_placement_reports),
    ("GET", V2 + "/audit-logs", T.list_audit_logs),

    # The gateway's control host (not part of the Instantly spec).
    ("GET", "/connections", X.list_connections),
    ("POST", "/connections", X.create_connection),
    ("GET", "/connections/{id}", X.get_connection),
    ("DELETE", "/connections/{id}", X.delete_connection),
]


class Route:
    __slots__ = ("method", "template", "handler", "segments", "literals")

    def __init__(self, method, template, handler):
        self.method = method
        self.template = template
        self.handler = handler
        self.segments = template.strip("/").split("/")
        self.literals = sum(1 for s in self.segments if not s.startswith("{"))

    def match(self, parts):
        if len(parts) != len(self.segments):
            return None
        params = {}
        for seg, part in zip(self.segments, parts):
            if seg.startswith("{"):
                if not part:
                    return None
                params[seg[1:-1]] = unquote(part)
            elif seg != part:
                return None
        return params


class Router:
    def __init__(self, table=ROUTES):
        self.routes = [Route(*row) for row in table]

    def match(self, method, path):
        """Return (route, params), or (None, None) when nothing matches."""
        parts = path.strip("/").split("/") if path.strip("/") else []
        if path.endswith("/") and path != "/":
            return None, None
        best = None
        for r in self.routes:
            if r.method != method:
                continue
            params = r.match(parts)
            if params is not None and (best is None or r.literals > best[0].literals):
                best = (r, params)
        return best if best else (None, None)

    def templates(self):
        return [(r.method, r.template) for r in self.routes]
