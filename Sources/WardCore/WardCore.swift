public enum WardCore {}
