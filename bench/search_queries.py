"""Judged queries for bench/search_quality.py, on the learn-resources corpus.

Relevance was judged from the Markdown (headings, glossaries, grep for the words) before either
engine ran, and not changed after. A query is judged by one of:
- guides: the files that answer it; a result anywhere in one of them is a hit (rank counted
  over distinct guides, as a reader scans them);
- units: "File.md::Heading" — that exact section (its heading text);
- terms: (term, files defining it) — the definition: the term's own entry or heading, or the
  heading the definition sits under in a defining file (all an engine indexing headings can
  give; found from the Markdown by bench/search_quality.py);
- none: no answer in the corpus; the right output is an empty list.
"""

AUTH_PKCE = [
    "CentralizedAuth-TechSpec-Implementation.md", "FlutterAndSupabaseLearning.md",
    "SupabaseB2CSystemDesign-ClaudeOpus4.5.md", "SSO-CrossCuttingOWASP.md",
    "SupabaseB2CSystemDesign-GPT5.2.md", "CentralizedAuthenticationInfra.md",
]  # fmt: skip
SUPABASE = ["SupabaseB2CSystemDesign-ClaudeOpus4.5.md", "SupabaseB2CSystemDesign-GPT5.2.md"]

QUERIES: list[dict] = [
    # Glossary terms: the definition is the right unit.
    {"group": "glossary", "q": "PKCE", "terms": ("PKCE", AUTH_PKCE)},
    {"group": "glossary", "q": "JWKS", "terms": ("JWKS", SUPABASE)},
    {"group": "glossary", "q": "mTLS", "terms": ("mTLS", ["ServiceMeshCommunication.md"])},
    {"group": "glossary", "q": "backpressure", "terms": ("Backpressure", [
        "PipelineOrchestrationFrameworks.md", "DataPipelineSystemDesign.md"])},
    {"group": "glossary", "q": "dead letter queue", "terms": ("Dead Letter Queue", [
        "MessageQueueVsStreamProcessing.md", "PipelineOrchestrationFrameworks.md"])},
    {"group": "glossary", "q": "exactly-once", "terms": (
        ["Exactly-once", "Exactly-Once Semantics"], [
        "MessageQueueVsStreamProcessing.md", "DistributedQuerySystems.md",
        "PipelineOrchestrationFrameworks.md"])},
    {"group": "glossary", "q": "SPIFFE", "terms": ("SPIFFE", ["ServiceMeshCommunication.md"])},
    {"group": "glossary", "q": "xDS", "terms": ("xDS", ["ServiceMeshCommunication.md"])},
    {"group": "glossary", "q": "partition pruning", "terms": ("Partition Pruning", [
        "HiveIcebergAutodiscovery.md", "DistributedQuerySystems.md"])},
    {"group": "glossary", "q": "hive metastore", "terms": ("Hive Metastore", [
        "HiveIcebergAutodiscovery.md", "DataCatalogsAndFormatsV1.md"])},
    {"group": "glossary", "q": "circuit breaker", "terms": ("Circuit Breaker", [
        "ServiceMeshCommunication.md"])},
    {"group": "glossary", "q": "compaction", "terms": ("Compaction", [
        "DistributedQuerySystems.md", "HiveIcebergAutodiscovery.md",
        "DataCatalogsAndFormatsV1.md"])},
    {"group": "glossary", "q": "lakehouse", "terms": ("Lakehouse", [
        "DistributedQuerySystems.md", "DataCatalogsAndFormatsV1.md"])},
    {"group": "glossary", "q": "token exchange", "terms": ("Token Exchange", [
        "SSO-CrossCuttingOWASP.md", "SupabaseB2CSystemDesign-GPT5.2.md"])},
    {"group": "glossary", "q": "work pool", "terms": ("Work Pool", [
        "DataPipelineSystemDesign.md"])},
    # Topics worded differently from the headings: the right guide.
    {"group": "topic", "q": "how do services prove their identity to each other",
     "guides": ["ServiceMeshCommunication.md"]},
    {"group": "topic", "q": "choosing between a queue and a log based stream",
     "guides": ["MessageQueueVsStreamProcessing.md"]},
    {"group": "topic", "q": "keeping secrets out of source code",
     "guides": ["CentralizedAuth-TechSpec-Implementation.md", "BumerangeToTerraform.md",
                "ServiceMeshCommunication.md"]},
    {"group": "topic", "q": "single sign on across different domains",
     "guides": ["CentralizedAuthenticationInfra.md", "CentralizedAuth-TechSpec-Implementation.md",
                "SSO-CrossCuttingOWASP.md", "SupabaseB2CSystemDesign-ClaudeOpus4.5.md"]},
    {"group": "topic", "q": "letting snowflake read files from s3 securely",
     "guides": ["SnowflakeStorageIntegration.md"]},
    {"group": "topic", "q": "finding new partitions automatically",
     "guides": ["HiveIcebergAutodiscovery.md"]},
    {"group": "topic", "q": "scheduler high availability for workflow engines",
     "guides": ["DataPipelineSystemDesign.md", "PipelineOrchestrationFrameworks.md"]},
    {"group": "topic", "q": "history of distributed databases",
     "guides": ["DistributedQuerySystems.md"]},
    {"group": "topic", "q": "per user database permissions in postgres",
     "guides": [*SUPABASE, "SSO-CrossCuttingOWASP.md"]},
    {"group": "topic", "q": "ai agents for planning and writing software",
     "guides": ["BMADMethod.md", "BMADToolsCheatsheet.md"]},
    {"group": "topic", "q": "infrastructure as code layout for a django app on aws",
     "guides": ["BumerangeToTerraform.md"]},
    {"group": "topic", "q": "comparing workflow orchestrators on kubernetes",
     "guides": ["PipelineOrchestrationFrameworks.md", "DataPipelineSystemDesign.md"]},
    {"group": "topic", "q": "mobile app login with google and apple",
     "guides": ["FlutterAndSupabaseLearning.md", *SUPABASE]},
    {"group": "topic", "q": "extending claude code with custom commands",
     "guides": ["ClaudeEcoplugs.md"]},
    {"group": "topic", "q": "api keys for command line tools",
     "guides": ["SupabaseB2CSystemDesign-ClaudeOpus4.5.md", "SSO-CrossCuttingOWASP.md"]},
    # Sections: the exact heading.
    {"group": "section", "q": "time travel in iceberg",
     "units": ["DataCatalogsAndFormatsV1.md::Insert/Query Flow & Time Travel in Iceberg"]},
    {"group": "section", "q": "msck repair table",
     "units": ["HiveIcebergAutodiscovery.md::MSCK REPAIR TABLE Workflow"]},
    {"group": "section", "q": "state locking",
     "units": ["BumerangeToTerraform.md::State Locking Mechanism"]},
    {"group": "section", "q": "cross-domain logout",
     "units": ["CentralizedAuth-TechSpec-Implementation.md::6.4 Cross-Domain Logout",
               "CentralizedAuthenticationInfra.md::Cross-Domain Logout",
               "CentralizedAuthenticationInfra.md::Logout Flow (All Devices)"]},
    {"group": "section", "q": "small files problem",
     "units": ["HiveIcebergAutodiscovery.md::Small Files Problem and Compaction"]},
    {"group": "section", "q": "snowflake credential rotation",
     "units": ["SnowflakeStorageIntegration.md::Credential Lifecycle and Rotation"]},
    {"group": "section", "q": "airflow celery executor",
     "units": ["DataPipelineSystemDesign.md::"
               "3) Airflow with CeleryExecutor (broker-centric push model)",
               "DataPipelineSystemDesign.md::3.2 Component diagram (Airflow + Celery)",
               "DataPipelineSystemDesign.md::3.3 Sequence diagram: happy path (Airflow + Celery)"]},
    {"group": "section", "q": "rate limiting at the gateway",
     "units": ["CentralizedAuthenticationInfra.md::4.7 Rate Limiting Integration",
               "CentralizedAuthenticationInfra.md::Rate Limiting"]},
    {"group": "section", "q": "glue crawler",
     "units": ["HiveIcebergAutodiscovery.md::AWS Glue Crawler Workflow"]},
    {"group": "section", "q": "claude code hooks",
     "units": ["ClaudeEcoplugs.md::5) Hooks", "ClaudeEcoplugs.md::Hook Execution Flow"]},
    # Misspellings: the right guide.
    {"group": "misspelled", "q": "kafak partitions",
     "guides": ["MessageQueueVsStreamProcessing.md", "DistributedQuerySystems.md"]},
    {"group": "misspelled", "q": "iceburg time travel",
     "guides": ["DataCatalogsAndFormatsV1.md", "HiveIcebergAutodiscovery.md",
                "DistributedQuerySystems.md"]},
    {"group": "misspelled", "q": "postgress row level security",
     "guides": [*SUPABASE, "SSO-CrossCuttingOWASP.md"]},
    {"group": "misspelled", "q": "terraform statefile", "guides": ["BumerangeToTerraform.md"]},
    {"group": "misspelled", "q": "oauht pkce", "guides": AUTH_PKCE},
    {"group": "misspelled", "q": "servce mesh sidecar",
     "guides": ["ServiceMeshCommunication.md", "CentralizedAuthenticationInfra.md"]},
    {"group": "misspelled", "q": "airflow sheduler",
     "guides": ["DataPipelineSystemDesign.md", "PipelineOrchestrationFrameworks.md"]},
    {"group": "misspelled", "q": "snowflak storage integraton",
     "guides": ["SnowflakeStorageIntegration.md"]},
    {"group": "misspelled", "q": "metastor partition discovery",
     "guides": ["HiveIcebergAutodiscovery.md"]},
    {"group": "misspelled", "q": "supabse multi factor authentication",
     "guides": [*SUPABASE, "FlutterAndSupabaseLearning.md"]},
    {"group": "misspelled", "q": "prefct work pool", "guides": ["DataPipelineSystemDesign.md"]},
    {"group": "misspelled", "q": "envoy authorizaton", "guides": ["ServiceMeshCommunication.md"]},
    {"group": "misspelled", "q": "lakehose architecture",
     "guides": ["DistributedQuerySystems.md", "DataCatalogsAndFormatsV1.md"]},
    {"group": "misspelled", "q": "message queu vs stream procesing",
     "guides": ["MessageQueueVsStreamProcessing.md"]},
    {"group": "misspelled", "q": "kubernets orchestration frameworks",
     "guides": ["PipelineOrchestrationFrameworks.md", "DataPipelineSystemDesign.md"]},
    # No answer in the corpus (checked with grep): the right output is nothing.
    {"group": "no-answer", "q": "quantum computing qubits", "none": True},
    {"group": "no-answer", "q": "sourdough bread recipe", "none": True},
    {"group": "no-answer", "q": "react native animations", "none": True},
    {"group": "no-answer", "q": "blockchain smart contracts", "none": True},
    {"group": "no-answer", "q": "gradient descent learning rate", "none": True},
    {"group": "no-answer", "q": "cobol mainframe batch jobs", "none": True},
    {"group": "no-answer", "q": "photoshop layer masks", "none": True},
    {"group": "no-answer", "q": "bluetooth low energy pairing", "none": True},
    {"group": "no-answer", "q": "jvm garbage collection tuning", "none": True},
    {"group": "no-answer", "q": "excel pivot tables", "none": True},
]  # fmt: skip
