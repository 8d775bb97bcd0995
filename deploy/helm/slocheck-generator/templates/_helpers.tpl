{{- define "gen.region" -}}
{{- required "set region (the cluster's Azure region, e.g. -f values-eastus.yaml)" .Values.region -}}
{{- end -}}

{{- define "gen.client" -}}
{{- required "set clientRegion (e.g. us or eu)" .Values.clientRegion -}}
{{- end -}}

{{- define "gen.runId" -}}
{{- required "set runId (e.g. --set runId=20261124t100000z)" .Values.runId | lower -}}
{{- end -}}

{{- define "gen.fullname" -}}
{{- printf "%s-%s" .Release.Name (include "gen.client" .) | trunc 52 | trimSuffix "-" -}}
{{- end -}}

{{- define "gen.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "gen.labels" -}}
{{ include "gen.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: slocheck
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
topology.slocheck.io/region: {{ include "gen.region" . }}
slocheck.io/client-region: {{ include "gen.client" . }}
{{- end -}}

{{- define "gen.claim" -}}
{{- .Values.persistence.existingClaim | default (printf "%s-reports" .Release.Name) -}}
{{- end -}}
