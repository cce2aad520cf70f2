enum WardAPIPlaceholder {}
