#include "api/routes.h"

#include "api/catalogue.h"
#include "api/console.h"
#include "api/dashboards.h"
#include "api/escalation.h"
#include "api/evaluation.h"
#include "api/events.h"
#include "api/files.h"
#include "api/ops.h"
#include "api/org_nodes.h"
#include "api/reports.h"
#include "api/roles.h"
#include "api/sessions.h"
#include "api/supervision.h"
#include "api/users.h"
#include "api/webhooks.h"
#include "api/work_items.h"

/*
 * Order matters only between patterns that could match the same path: the
 * first route whose pattern and method match wins. The last column is who may
 * call the route: this table is the permission table (GET /api/v1/me serves
 * the caller's row of it, docs/security.md explains it). api/openapi.yaml must
 * list exactly these routes (a test compares them).
 */
const struct route routes[] = {
	/* Operations: for orchestrators and monitoring, no token; also on --ops-listen. */
	{ METHOD_GET, "/healthz", api_ops_healthz, ACCESS_PUBLIC | ACCESS_OPS },
	{ METHOD_GET, "/readyz", api_ops_readyz, ACCESS_PUBLIC | ACCESS_OPS },
	{ METHOD_GET, "/metrics", api_ops_metrics, ACCESS_PUBLIC | ACCESS_OPS },

	/* The console and the contract: public, they hold no data. */
	{ METHOD_GET, "/", api_console_index, ACCESS_PUBLIC },
	{ METHOD_GET, "/assets/{name}", api_console_asset, ACCESS_PUBLIC },
	{ METHOD_GET, "/docs/api", api_console_api_reference, ACCESS_PUBLIC },
	{ METHOD_GET, "/api/v1/openapi.yaml", api_openapi_yaml, ACCESS_PUBLIC },
	{ METHOD_GET, "/api/v1/openapi.json", api_openapi_json, ACCESS_PUBLIC },

	/* Identity. */
	{ METHOD_POST, "/api/v1/sessions", api_sessions_create, ACCESS_PUBLIC },
	{ METHOD_DELETE, "/api/v1/sessions/current", api_sessions_delete_current,
	  ROLES_ALL | ACCESS_EXPIRED_OK },
	{ METHOD_GET, "/api/v1/me", api_me, ROLES_ALL | ACCESS_EXPIRED_OK },
	{ METHOD_PUT, "/api/v1/me/password", api_me_password, ROLES_ALL | ACCESS_EXPIRED_OK },
	{ METHOD_GET, "/api/v1/users", api_users_list, ROLE_ADMIN },
	{ METHOD_POST, "/api/v1/users", api_users_create, ROLE_ADMIN },
	{ METHOD_GET, "/api/v1/users/{username}", api_users_get, ROLE_ADMIN },
	{ METHOD_PATCH, "/api/v1/users/{username}", api_users_update, ROLE_ADMIN },
	{ METHOD_POST, "/api/v1/users/{username}/tokens", api_users_issue_token, ROLE_ADMIN },
	/* Scopes a provincial office's user to a node of the organisation tree. */
	{ METHOD_PUT, "/api/v1/users/{username}/node", api_org_nodes_user_set, ROLE_ADMIN },
	{ METHOD_GET, "/api/v1/roles", api_roles_list, ROLES_ALL },

	/* Webhooks: admins only (their URLs and logs say where the data goes). */
	{ METHOD_GET, "/api/v1/webhooks", api_webhooks_list, ROLE_ADMIN },
	{ METHOD_POST, "/api/v1/webhooks", api_webhooks_create, ROLE_ADMIN },
	{ METHOD_GET, "/api/v1/webhooks/{id}", api_webhooks_get, ROLE_ADMIN },
	{ METHOD_PATCH, "/api/v1/webhooks/{id}", api_webhooks_update, ROLE_ADMIN },
	{ METHOD_DELETE, "/api/v1/webhooks/{id}", api_webhooks_delete, ROLE_ADMIN },
	{ METHOD_GET, "/api/v1/webhooks/{id}/deliveries", api_webhook_deliveries, ROLE_ADMIN },
	{ METHOD_POST, "/api/v1/webhooks/{id}/deliveries/{delivery}/replay", api_webhook_replay,
	  ROLE_ADMIN },
	{ METHOD_POST, "/api/v1/webhooks/{id}/ping", api_webhook_ping, ROLE_ADMIN },

	/* The catalogue: everyone signed in may read it. */
	{ METHOD_GET, "/api/v1/agencies", api_agencies_list, ROLES_ALL },
	{ METHOD_GET, "/api/v1/agencies/{code}", api_agencies_get, ROLES_ALL },
	{ METHOD_GET, "/api/v1/provinces", api_provinces_list, ROLES_ALL },
	{ METHOD_GET, "/api/v1/provinces/{code}", api_provinces_get, ROLES_ALL },
	/* The organisation tree below a province: coordinators and admins add nodes. */
	{ METHOD_GET, "/api/v1/provinces/{code}/nodes", api_org_nodes_tree, ROLES_ALL },
	{ METHOD_POST, "/api/v1/provinces/{code}/nodes", api_org_nodes_create,
	  ROLE_ADMIN | ROLE_COORDINATOR },
	{ METHOD_GET, "/api/v1/documents", api_documents_list, ROLES_ALL },
	{ METHOD_POST, "/api/v1/documents", api_documents_import, ROLE_ADMIN | ROLE_COORDINATOR },
	{ METHOD_GET, "/api/v1/documents/{id}", api_documents_get, ROLES_ALL },
	{ METHOD_GET, "/api/v1/documents/{id}/versions", api_documents_versions, ROLES_ALL },
	{ METHOD_GET, "/api/v1/documents/{id}/export", api_documents_export,
	  ROLES_ALL | ACCESS_REPLICA },
	{ METHOD_GET, "/api/v1/measures", api_measures_list, ROLES_ALL },
	{ METHOD_GET, "/api/v1/measures/{code}", api_measures_get, ROLES_ALL },
	{ METHOD_GET, "/api/v1/tasks", api_tasks_list, ROLES_ALL | ACCESS_REPLICA },
	{ METHOD_GET, "/api/v1/tasks/{id}", api_tasks_get, ROLES_ALL },

	/* The task workflow: agencies change their own tasks, coordinators any (scope in SQL). */
	{ METHOD_PATCH, "/api/v1/tasks/{id}", api_tasks_update, ROLE_AGENCY | ROLE_COORDINATOR },
	{ METHOD_POST, "/api/v1/tasks:batch-update", api_tasks_batch_update,
	  ROLE_AGENCY | ROLE_COORDINATOR },
	{ METHOD_GET, "/api/v1/tasks/{id}/events", api_task_events, ROLES_ALL | ACCESS_REPLICA },
	/* The supervision loop: the task's unit receives, sends back and asks for time;
	 * coordinators re-assign and decide (scope in SQL). */
	{ METHOD_POST, "/api/v1/tasks/{id}/receive", api_tasks_receive, ROLE_AGENCY },
	{ METHOD_POST, "/api/v1/tasks/{id}/send-back", api_tasks_send_back, ROLE_AGENCY },
	{ METHOD_POST, "/api/v1/tasks/{id}/reassign", api_tasks_reassign, ROLE_COORDINATOR },
	{ METHOD_GET, "/api/v1/tasks/{id}/extensions", api_task_extensions_list, ROLES_ALL },
	{ METHOD_POST, "/api/v1/tasks/{id}/extensions", api_task_extensions_request, ROLE_AGENCY },
	{ METHOD_POST, "/api/v1/tasks/{id}/extensions/approve", api_task_extensions_approve,
	  ROLE_COORDINATOR },
	{ METHOD_POST, "/api/v1/tasks/{id}/extensions/refuse", api_task_extensions_refuse,
	  ROLE_COORDINATOR },
	/* Evidence files: attached like a change (scope in SQL), read like the task. */
	{ METHOD_POST, "/api/v1/tasks/{id}/files", api_task_files_upload,
	  ROLE_AGENCY | ROLE_COORDINATOR | ACCESS_UPLOAD },
	{ METHOD_GET, "/api/v1/tasks/{id}/files", api_task_files_list, ROLES_ALL },
	{ METHOD_GET, "/api/v1/tasks/{id}/files/{file_id}", api_task_files_get, ROLES_ALL },
	/* Work items: coordinators and admins split a task; the party carrying an item and
	 * coordinators change it (scope in SQL); the task rolls up from its items. */
	{ METHOD_GET, "/api/v1/tasks/{id}/work-items", api_work_items_of_task, ROLES_ALL },
	{ METHOD_POST, "/api/v1/tasks/{id}/work-items", api_work_items_create,
	  ROLE_COORDINATOR | ROLE_ADMIN },
	{ METHOD_GET, "/api/v1/work-items", api_work_items_list, ROLES_ALL },
	{ METHOD_GET, "/api/v1/work-items/{id}", api_work_items_get, ROLES_ALL },
	{ METHOD_PATCH, "/api/v1/work-items/{id}", api_work_items_update,
	  ROLE_AGENCY | ROLE_PROVINCE | ROLE_COORDINATOR | ROLE_ADMIN },
	{ METHOD_DELETE, "/api/v1/work-items/{id}", api_work_items_remove,
	  ROLE_COORDINATOR | ROLE_ADMIN },
	{ METHOD_GET, "/api/v1/work-items/{id}/events", api_work_item_events,
	  ROLES_ALL | ACCESS_REPLICA },
	{ METHOD_POST, "/api/v1/work-items/{id}/receive", api_work_items_receive,
	  ROLE_AGENCY | ROLE_PROVINCE },
	{ METHOD_POST, "/api/v1/work-items/{id}/send-back", api_work_items_send_back,
	  ROLE_AGENCY | ROLE_PROVINCE },
	{ METHOD_GET, "/api/v1/task-statuses", api_task_statuses, ROLES_ALL },
	{ METHOD_GET, "/api/v1/events", api_events_feed, ROLES_ALL | ACCESS_REPLICA },

	/* Reporting: provinces file, coordinators open periods and review (visibility in SQL). */
	{ METHOD_GET, "/api/v1/periods", api_periods_list, ROLES_ALL },
	{ METHOD_POST, "/api/v1/periods", api_periods_create, ROLE_COORDINATOR },
	{ METHOD_POST, "/api/v1/periods/{code}/close", api_periods_close, ROLE_COORDINATOR },
	{ METHOD_POST, "/api/v1/periods/{code}/reopen", api_periods_reopen, ROLE_COORDINATOR },
	{ METHOD_GET, "/api/v1/reports", api_reports_list, ROLES_ALL | ACCESS_REPLICA },
	{ METHOD_POST, "/api/v1/reports", api_reports_create, ROLE_PROVINCE },
	{ METHOD_GET, "/api/v1/reports/{id}", api_reports_get, ROLES_ALL },
	{ METHOD_PATCH, "/api/v1/reports/{id}", api_reports_edit, ROLE_PROVINCE },
	{ METHOD_POST, "/api/v1/reports/{id}/submit", api_reports_submit, ROLE_PROVINCE },
	{ METHOD_POST, "/api/v1/reports/{id}/accept", api_reports_accept, ROLE_COORDINATOR },
	{ METHOD_POST, "/api/v1/reports/{id}/return", api_reports_return, ROLE_COORDINATOR },
	{ METHOD_POST, "/api/v1/reports/{id}/revisions", api_reports_revise, ROLE_PROVINCE },
	/* Node reports, approved bottom-up by the level right above each node. */
	{ METHOD_GET, "/api/v1/provinces/{code}/node-reports/{period}", api_node_reports_list,
	  ROLES_ALL },
	{ METHOD_POST, "/api/v1/provinces/{code}/node-reports/{period}", api_node_reports_file,
	  ROLE_PROVINCE },
	{ METHOD_POST, "/api/v1/node-reports/{id}/approve", api_node_reports_approve,
	  ROLE_PROVINCE },
	{ METHOD_POST, "/api/v1/node-reports/{id}/return", api_node_reports_return, ROLE_PROVINCE },
	{ METHOD_GET, "/api/v1/dashboard/summary", api_dashboard_summary, ROLES_ALL },
	{ METHOD_GET, "/api/v1/dashboard/by-agency", api_dashboard_by_agency, ROLES_ALL },
	{ METHOD_GET, "/api/v1/dashboard/by-province", api_dashboard_by_province, ROLES_ALL },
	{ METHOD_GET, "/api/v1/dashboard/by-document", api_dashboard_by_document, ROLES_ALL },
	{ METHOD_GET, "/api/v1/dashboard/by-section", api_dashboard_by_section, ROLES_ALL },
	{ METHOD_GET, "/api/v1/dashboard/matrix", api_dashboard_matrix, ROLES_ALL },
	{ METHOD_GET, "/api/v1/dashboard/overdue", api_dashboard_overdue, ROLES_ALL },
	{ METHOD_GET, "/api/v1/dashboard/overdue-work-items", api_dashboard_overdue_work_items,
	  ROLES_ALL },
	{ METHOD_GET, "/api/v1/dashboard/escalations", api_dashboard_escalations, ROLES_ALL },
	{ METHOD_GET, "/api/v1/dashboard/trend", api_dashboard_trend, ROLES_ALL },
	{ METHOD_GET, "/api/v1/dashboard/reporting-compliance", api_reporting_compliance,
	  ROLES_ALL },
	{ METHOD_GET, "/api/v1/reminders", api_reminders, ROLES_ALL },

	/* The escalation ladder (催办): everyone reads the rules, the secretariat sets them. */
	{ METHOD_GET, "/api/v1/escalation-ladder", api_escalation_ladder_get, ROLES_ALL },
	{ METHOD_PUT, "/api/v1/escalation-ladder", api_escalation_ladder_put,
	  ROLE_COORDINATOR | ROLE_ADMIN },

	/* Evaluation: coordinators record, everyone reads. */
	{ METHOD_GET, "/api/v1/indicators", api_indicators_list, ROLES_ALL },
	{ METHOD_POST, "/api/v1/indicators", api_indicators_create, ROLE_COORDINATOR },
	{ METHOD_GET, "/api/v1/indicators/{code}/values", api_indicator_values_list, ROLES_ALL },
	{ METHOD_PUT, "/api/v1/indicators/{code}/values/{province}/{year}",
	  api_indicator_values_put, ROLE_COORDINATOR },
	{ METHOD_GET, "/api/v1/evaluations", api_evaluations_list, ROLES_ALL },
	{ METHOD_POST, "/api/v1/evaluations", api_evaluations_create, ROLE_COORDINATOR },
	{ METHOD_GET, "/api/v1/scorecards", api_scorecards, ROLES_ALL },
};

const size_t routes_count = sizeof(routes) / sizeof(routes[0]);
