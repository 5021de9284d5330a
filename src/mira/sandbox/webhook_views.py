"""API v4 endpoints for webhook subscriptions; each app can list and change only the webhooks it created."""

import logging

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from mira.sandbox import webhooks
from mira.sandbox.activities import parse_body
from mira.sandbox.api import READ, READ_WRITE, ApiContext, ApiError, api_endpoint, check_permission, json_response
from mira.sandbox.api_views import check_if_match, list_response, record_response, requested_fields, show_response
from mira.sandbox.filters import filter_created_updated, filter_ids
from mira.sandbox.models import Webhook

logger = logging.getLogger(__name__)


def _app_webhooks(context: ApiContext) -> QuerySet:
    return Webhook.objects.select_related("user__account").filter(app=context.token.grant.app)


def _find_webhook(context: ApiContext, webhook_id: str) -> Webhook:
    webhook = _app_webhooks(context).filter(pk=int(webhook_id)).first()
    if webhook is None:
        raise ApiError(404, "RecordNotFound", f"Webhook {webhook_id} not found for this app; check the id.")
    return webhook


def _check_model_permission(context: ApiContext, data: dict) -> None:
    # Subscribing needs the watched model's permission as well as Api; an invalid model is reported later.
    model = webhooks.MODEL_IDS.get(str(data.get("model")), data.get("model"))
    permission = webhooks.MODEL_PERMISSIONS.get(model) if isinstance(model, str) else None
    if permission:
        check_permission(context.token, permission, READ)


@api_endpoint("api", {"GET": READ, "POST": READ_WRITE})
def webhook_collection(request: HttpRequest, context: ApiContext) -> HttpResponse:
    if request.method == "POST":
        requested_fields(request, "Webhook")
        data = parse_body(request)
        _check_model_permission(context, data)
        webhook = webhooks.create_webhook(data, context.token.grant.app, context.user)
        return record_response(request, context, "Webhook", webhook, status=201)

    queryset = filter_ids(request, filter_created_updated(request, _app_webhooks(context)))
    return list_response(request, context, "Webhook", queryset)


@api_endpoint("api", {"GET": READ, "PATCH": READ_WRITE, "DELETE": READ_WRITE})
def webhook_detail(request: HttpRequest, context: ApiContext, webhook_id: str) -> HttpResponse:
    webhook = _find_webhook(context, webhook_id)

    if request.method == "DELETE":
        webhook.delete()
        logger.info("Deleted webhook %s", webhook_id)
        return json_response(204, None)

    if request.method == "PATCH":
        requested_fields(request, "Webhook")
        check_if_match(request, webhook)
        data = parse_body(request)
        _check_model_permission(context, data)
        webhook = webhooks.update_webhook(webhook, data)
        return record_response(request, context, "Webhook", webhook)

    return show_response(request, context, "Webhook", webhook)


@api_endpoint("api", {"PUT": READ_WRITE})
def webhook_activate(request: HttpRequest, context: ApiContext, webhook_id: str) -> HttpResponse:
    """Enable a pending webhook with the X-Hook-Secret from its handshake (a route Clio has outside the spec)."""
    webhook = _find_webhook(context, webhook_id)
    webhooks.activate_webhook(webhook, request.headers.get("X-Hook-Secret"))
    return json_response(204, None)
