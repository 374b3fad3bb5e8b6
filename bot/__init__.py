"""Hip Coach: a chat coach that keeps runners' hips loose."""
