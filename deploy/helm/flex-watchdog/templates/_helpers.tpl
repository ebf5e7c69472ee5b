{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "flex-watchdog.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: the release name, suffixed with the chart name unless it already contains it. */}}
{{- define "flex-watchdog.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "flex-watchdog.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "flex-watchdog.selectorLabels" -}}
app.kubernetes.io/name: {{ include "flex-watchdog.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "flex-watchdog.labels" -}}
helm.sh/chart: {{ include "flex-watchdog.chart" . }}
{{ include "flex-watchdog.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: flex-watchdog
{{- end }}

{{- define "flex-watchdog.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "flex-watchdog.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret holding credentials: existingSecret, else the chart-made one. */}}
{{- define "flex-watchdog.secretName" -}}
{{- if and .Values.existingSecret .Values.secret.create }}
{{- fail "existingSecret and secret.create are mutually exclusive: use one source of credentials" }}
{{- end }}
{{- default (include "flex-watchdog.fullname" .) .Values.existingSecret }}
{{- end }}

{{- define "flex-watchdog.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Paths fixed by the image contract (Dockerfile). */}}
{{- define "flex-watchdog.port" -}}9464{{- end }}
{{- define "flex-watchdog.stateDir" -}}/var/lib/flex-watchdog{{- end }}
{{- define "flex-watchdog.configDir" -}}/etc/flex-watchdog{{- end }}

{{/* The environment the daemon and the pre-upgrade config check share: port, account name,
credentials and keys from the Secret, extraEnv. */}}
{{- define "flex-watchdog.env" -}}
{{- $secret := include "flex-watchdog.secretName" . }}
{{- $keys := .Values.secretKeys }}
- name: FLEX_WATCHDOG_HTTP__PORT
  value: {{ include "flex-watchdog.port" . | quote }}
{{- with .Values.account }}
- name: FLEX_WATCHDOG_ACCOUNT_NAME
  value: {{ . | quote }}
{{- end }}
- name: TWILIO_ACCOUNT_SID
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $keys.accountSid }}
{{- range $env, $key := dict "TWILIO_AUTH_TOKEN" $keys.authToken "TWILIO_API_KEY" $keys.apiKey "TWILIO_API_SECRET" $keys.apiSecret "FLEX_WATCHDOG_PAGERDUTY__ROUTING_KEY" $keys.pagerdutyRoutingKey "FLEX_WATCHDOG_SENTRY__DSN" $keys.sentryDsn }}
- name: {{ $env }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $key }}
      optional: true
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}
