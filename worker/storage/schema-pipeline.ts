// Pipeline tables: owned by the event-pipeline work (issue 3).
export {};
