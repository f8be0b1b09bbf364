-- A task `t`'s effective RAG rating: the coordinator's override, else the derived one.
coalesce(t.rag_override, task_rag_derived(t.status, t.progress, t.due_date, t.updated_at))
