def draft_summary(*a): raise NotImplementedError
