{{- /* Rendered by the agent; the app never talks to Ward. */ -}}
{{ with secret "secret/app/db" -}}
DB_USERNAME={{ .Data.data.username }}
DB_PASSWORD={{ .Data.data.password }}
SECRET_VERSION={{ .Data.metadata.version }}
{{- end }}
