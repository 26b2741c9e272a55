"""Notes are not in the admin, on purpose: the guide page promises learners that their notes are
private to them, and staff reading them would break that promise. A learner's notes leave with
the learner: deleted with the account, included in its data export."""
