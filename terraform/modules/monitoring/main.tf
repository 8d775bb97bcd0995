# Observability for the whole platform: one Log Analytics workspace (every diagnostic setting and
# Container Insights write here), workspace-based Application Insights for the shop, one action
# group (email + an optional Teams webhook), and the alerts that mirror slocheck's objectives so
# production is watched by the same yardstick the release gate uses:
#   - Front Door origin health below 100 % (a region left rotation: the start of a failover)
#   - Front Door 5xx share above var.error_rate_threshold_percent
#   - p99 latency at the edge above var.p99_latency_threshold_ms (log alert on the access log)
#   - error-budget fast burn: 5xx ratio over 1 h above 14.4x the budget rate (SRE workbook)
#   - failed health probes at any POP (log alert on FrontDoorHealthProbeLog)
#   - Cosmos DB normalized RU consumption above 90 % (throttling ahead)
#   - AKS node CPU above 80 % per cluster

resource "azurerm_log_analytics_workspace" "this" {
  name                = "${var.name_prefix}-law"
  location            = var.location
  resource_group_name = var.resource_group_name
  sku                 = "PerGB2018"
  retention_in_days   = var.log_retention_days
  daily_quota_gb      = var.daily_quota_gb
  tags                = var.tags
}

resource "azurerm_application_insights" "this" {
  name                         = "${var.name_prefix}-appi"
  location                     = var.location
  resource_group_name          = var.resource_group_name
  workspace_id                 = azurerm_log_analytics_workspace.this.id
  application_type             = "web"
  local_authentication_enabled = false
  tags                         = var.tags
}

resource "azurerm_monitor_action_group" "this" {
  name                = "${var.name_prefix}-ag"
  resource_group_name = var.resource_group_name
  short_name          = substr(replace(var.name_prefix, "-", ""), 0, 12)
  tags                = var.tags

  dynamic "email_receiver" {
    for_each = toset(var.alert_email_addresses)
    content {
      name                    = "email-${index(var.alert_email_addresses, email_receiver.value)}"
      email_address           = email_receiver.value
      use_common_alert_schema = true
    }
  }

  dynamic "webhook_receiver" {
    for_each = var.teams_webhook_url == null ? [] : ["teams"]
    content {
      name                    = "teams"
      service_uri             = var.teams_webhook_url
      use_common_alert_schema = true
    }
  }
}

locals {
  # 30-day error budget rate of the availability target, and the SRE workbook's fast-burn factor:
  # 14.4x the budget rate for 1 h spends 2 % of a 30-day budget.
  budget_error_ratio = 1 - var.availability_target
  fast_burn_ratio    = 14.4 * local.budget_error_ratio

  metric_alerts = merge(
    {
      frontdoor-origin-health = {
        scope       = var.frontdoor_profile_id
        namespace   = "Microsoft.Cdn/profiles"
        metric      = "OriginHealthPercentage"
        aggregation = "Average"
        operator    = "LessThan"
        threshold   = 100
        severity    = 1
        description = "A Front Door origin failed its health probes: a region left rotation."
      }
      frontdoor-5xx = {
        scope       = var.frontdoor_profile_id
        namespace   = "Microsoft.Cdn/profiles"
        metric      = "Percentage5XX"
        aggregation = "Average"
        operator    = "GreaterThan"
        threshold   = var.error_rate_threshold_percent
        severity    = 1
        description = "Share of 5xx responses at the Front Door edge is above the threshold."
      }
      cosmos-ru = {
        scope       = var.cosmos_account_id
        namespace   = "Microsoft.DocumentDB/databaseAccounts"
        metric      = "NormalizedRUConsumption"
        aggregation = "Maximum"
        operator    = "GreaterThan"
        threshold   = 90
        severity    = 2
        description = "Cosmos DB is close to its provisioned throughput: 429s ahead."
      }
    },
    {
      for region, id in var.aks_cluster_ids : "aks-cpu-${region}" => {
        scope       = id
        namespace   = "Microsoft.ContainerService/managedClusters"
        metric      = "node_cpu_usage_percentage"
        aggregation = "Average"
        operator    = "GreaterThan"
        threshold   = 80
        severity    = 2
        description = "AKS node CPU in ${region} is above 80 %: the autoscaler is at its ceiling or lagging."
      }
    }
  )

  log_alerts = {
    edge-p99-latency = {
      description = "p99 latency at the Front Door edge is above the SLO target."
      query       = <<-KQL
        AzureDiagnostics
        | where Category == "FrontDoorAccessLog"
        | summarize p99_ms = percentile(todouble(timeTaken_s) * 1000, 99)
      KQL
      measure     = "p99_ms"
      threshold   = var.p99_latency_threshold_ms
      window      = "PT5M"
      frequency   = "PT5M"
      severity    = 2
    }
    error-budget-fast-burn = {
      description = "Errors are spending the 30-day error budget 14.4x faster than it allows."
      query       = <<-KQL
        AzureDiagnostics
        | where Category == "FrontDoorAccessLog"
        | summarize failed = countif(toint(httpStatusCode_s) >= 500), total = count()
        | extend error_ratio = todouble(failed) / todouble(total)
      KQL
      measure     = "error_ratio"
      threshold   = local.fast_burn_ratio
      window      = "PT1H"
      frequency   = "PT5M"
      severity    = 1
    }
    health-probe-failures = {
      description = "Front Door POPs report failed health probes to an origin."
      query       = <<-KQL
        AzureDiagnostics
        | where Category == "FrontDoorHealthProbeLog"
        | summarize failed_probes = count()
      KQL
      measure     = "failed_probes"
      threshold   = 0
      window      = "PT5M"
      frequency   = "PT1M"
      severity    = 2
    }
  }
}

resource "azurerm_monitor_metric_alert" "this" {
  for_each = local.metric_alerts

  name                = "${var.name_prefix}-${each.key}"
  resource_group_name = var.resource_group_name
  scopes              = [each.value.scope]
  description         = each.value.description
  severity            = each.value.severity
  frequency           = "PT1M"
  window_size         = "PT5M"
  tags                = var.tags

  criteria {
    metric_namespace = each.value.namespace
    metric_name      = each.value.metric
    aggregation      = each.value.aggregation
    operator         = each.value.operator
    threshold        = each.value.threshold
  }

  action {
    action_group_id = azurerm_monitor_action_group.this.id
  }
}

resource "azurerm_monitor_scheduled_query_rules_alert_v2" "this" {
  for_each = local.log_alerts

  name                 = "${var.name_prefix}-${each.key}"
  location             = var.location
  resource_group_name  = var.resource_group_name
  scopes               = [azurerm_log_analytics_workspace.this.id]
  description          = each.value.description
  severity             = each.value.severity
  evaluation_frequency = each.value.frequency
  window_duration      = each.value.window
  # On a fresh workspace AzureDiagnostics does not exist until Front Door's first logs arrive,
  # and query validation would fail the apply.
  skip_query_validation = true
  tags                  = var.tags

  criteria {
    query                   = each.value.query
    time_aggregation_method = "Maximum"
    metric_measure_column   = each.value.measure
    operator                = "GreaterThan"
    threshold               = each.value.threshold

    failing_periods {
      minimum_failing_periods_to_trigger_alert = 1
      number_of_evaluation_periods             = 1
    }
  }

  action {
    action_groups = [azurerm_monitor_action_group.this.id]
  }
}
