"""Fixed Bangla sentences of the scam check (kept apart from ``faq.texts``).

Plain text only: the channel escapes it. Numbers use Bangla digits.
"""

from __future__ import annotations

__all__ = [
    "BTN_CHECK",
    "CHECK_PROMPT",
    "EMPTY",
    "FALLBACK_TITLES",
    "FLAGS_HEAD",
    "NONE_FOUND_STEPS",
    "OFFER_SUGGEST",
    "STEPS",
    "TITLE",
    "TRUNCATED",
    "VERDICT",
]

TITLE = "🔍 অফার যাচাইয়ের ফল"
BTN_CHECK = "🔍 অফার যাচাই"

VERDICT = {
    "high": "⚠️ ঝুঁকি বেশি: এই অফারে প্রতারণার স্পষ্ট লক্ষণ পেয়েছি। টাকা বা তথ্য দেওয়ার আগে থামুন।",
    "medium": "⚠️ সাবধান: এই অফারে সতর্কতার লক্ষণ পেয়েছি। ভালোভাবে যাচাই না করে এগোবেন না।",
    "none_found": (
        "পরিচিত কোনো সতর্কতার লক্ষণ পাইনি। তবু এটি প্রতারণা নয়, এমন নিশ্চয়তা দিতে পারছি না: "
        "নতুন ধরনের প্রতারণা আমার তালিকায় না-ও থাকতে পারে।"
    ),
}
FLAGS_HEAD = "যে কারণে সন্দেহ:"
TRUNCATED = "লেখাটি অনেক বড়, তাই প্রথম {limit} অক্ষর যাচাই করেছি।"

STEPS = (
    "এখন যা করবেন:\n"
    "• কোনো টাকা পাঠাবেন না: রেজিস্ট্রেশন, জামানত বা “ফেরতযোগ্য” ফি, কোনোটাই না।\n"
    "• OTP, PIN, পাসওয়ার্ড, এনআইডি বা সেলফি কাউকে দেবেন না।\n"
    "• প্রতিষ্ঠান বা ক্লায়েন্টকে তাদের আসল ওয়েবসাইট বা মার্কেটপ্লেসের ভেতরেই যাচাই করুন।\n"
    "• বার্তাটি প্ল্যাটফর্মে রিপোর্ট করুন। টাকা বা তথ্য দিয়ে ফেললে দেরি না করে "
    "“প্রতারিত হলে করণীয়” দেখুন।"
)
NONE_FOUND_STEPS = (
    "তবু যেভাবে যাচাই করবেন:\n"
    "• প্রতিষ্ঠানের নাম, ঠিকানা আর ওয়েবসাইট নিজে খুঁজে মিলিয়ে নিন; শুধু দেওয়া লিংকে ভরসা করবেন না।\n"
    "• কাজ আর পেমেন্ট মার্কেটপ্লেসের (Upwork, Fiverr) ভেতরে রাখুন।\n"
    "• কাজ পাওয়ার জন্য কখনো টাকা দেবেন না; OTP, PIN, এনআইডি বা সেলফি কাউকে দেবেন না।\n"
    "• তাড়া দিলে থামুন, পরিচিত অভিজ্ঞ কাউকে দেখিয়ে নিন।"
)

CHECK_PROMPT = (
    "যে অফার বা মেসেজটি যাচাই করতে চান, তার লেখাটি কপি করে পাঠান (বা ফরওয়ার্ড করুন)। "
    "আমি সতর্কতার লক্ষণগুলো খুঁজে দেখাব।"
)
EMPTY = "যাচাই করার মতো কোনো লেখা পাইনি। অফারের লেখাটি কপি করে পাঠান।"

# Button labels for the topics a flag links to, when the caller does not pass the content's
# titles (the CLI and tests); the bot passes the real titles.
FALLBACK_TITLES = {
    "common_scams": "প্রচলিত প্রতারণা",
    "scam_red_flags": "সতর্কতার লক্ষণ",
    "fake_training": "প্রশিক্ষণ যাচাই",
    "verify_client": "ক্লায়েন্ট যাচাই",
    "account_safety": "অ্যাকাউন্টের সুরক্ষা",
    "if_scammed": "প্রতারিত হলে করণীয়",
    "payment_withdrawal": "টাকা দেশে আনা",
}

# A long message that reads like an offer: the check is offered instead of a topic answer.
OFFER_SUGGEST = (
    "মনে হচ্ছে এটি কোনো কাজ বা আয়ের অফার। প্রতারণার লক্ষণ আছে কি না যাচাই করে দেখব? "
    "নিচের বোতাম চাপুন, অথবা প্রশ্ন থাকলে লিখে পাঠান।"
)
