enum WardWorkerPlaceholder {}
