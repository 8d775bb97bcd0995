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
{{- with .Values.region }}
topology.slocheck.io/region: {{ . }}
{{- end }}
{{- with .Values.clientRegion }}
slocheck.io/client-region: {{ . }}
{{- end }}
{{- end -}}

{{/* A run shared by several Jobs (shared.startAt set): its name prefix. */}}
{{- define "gen.shared" -}}
{{- printf "%s-%s" .Release.Name (include "gen.runId" . | trunc 10 | trimSuffix "-") | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{/* The directories of a shared run's parts under /reports/<runId>/, in order. */}}
{{- define "gen.parts" -}}
{{- $dirs := list -}}
{{- range $g := .Values.shared.generators -}}
{{- range $i := until (int $g.count) -}}
{{- $dirs = append $dirs (printf "/reports/%s/%s-%d" (include "gen.runId" $) $g.clientRegion $i) -}}
{{- end -}}
{{- end -}}
{{- if .Values.shared.conductor -}}
{{- $dirs = append $dirs (printf "/reports/%s/conductor" (include "gen.runId" .)) -}}
{{- end -}}
{{- toJson $dirs -}}
{{- end -}}

{{/* The pod spec parts every Job of the chart shares. */}}
{{- define "gen.podCommon" -}}
restartPolicy: Never
serviceAccountName: {{ .Values.serviceAccount.name }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
volumes:
  - name: scenario
    configMap:
      name: {{ include "gen.shared" . }}-scenario
  - name: reports
    {{- if .Values.persistence.enabled }}
    persistentVolumeClaim:
      claimName: {{ include "gen.claim" . }}
    {{- else }}
    emptyDir: {}
    {{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* The slocheck container's common fields (image, resources, security, mounts). */}}
{{- define "gen.containerCommon" -}}
image: {{ printf "%s:%s" (required "set image.repository" .Values.image.repository) (.Values.image.tag | default .Chart.AppVersion | toString) | quote }}
imagePullPolicy: {{ .Values.image.pullPolicy }}
resources:
  {{- toYaml .Values.resources | nindent 2 }}
securityContext:
  {{- toYaml .Values.securityContext | nindent 2 }}
volumeMounts:
  - name: scenario
    mountPath: /etc/slocheck
    readOnly: true
  - name: reports
    mountPath: /reports
{{- end -}}

{{- define "gen.claim" -}}
{{- .Values.persistence.existingClaim | default (printf "%s-reports" .Release.Name) -}}
{{- end -}}
