"""Every fixed sentence the bot says, in Bangla. Content answers live in ``faq/content``."""

from __future__ import annotations

__all__ = ["bn_number", "greeting"]

_BN = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")


def bn_number(value: object) -> str:
    """Write a number with Bangla digits."""
    return str(value).translate(_BN)


WELCOME = (
    "স্বাগতম{name}! আমি আউটসোর্সিং বন্ধু।\n\n"
    "অনলাইনে কাজ, ফ্রিল্যান্সিং, টাকা তোলা আর প্রতারণা থেকে বাঁচা নিয়ে যেকোনো প্রশ্ন "
    "বাংলায়, Banglish-এ বা ইংরেজিতে লিখে পাঠান। অথবা নিচের মেনু থেকে বিষয় বেছে নিন।"
)
MENU = "কোন বিষয়ে জানতে চান? একটি বেছে নিন, অথবা প্রশ্নটি লিখে পাঠান।"
HELP = (
    "আমি যা পারি:\n"
    "• প্রশ্ন লিখে পাঠান, যেমন “ফ্রিল্যান্সিং কীভাবে শুরু করব” বা “payoneer theke taka "
    "kivabe tulbo”।\n"
    "• মেনু থেকে বিষয় বেছে নিন।\n"
    "• প্রতিদিন পাঁচ মিনিটের একটি পাঠ আর কুইজ পেতে চাইলে সাবস্ক্রাইব করুন।\n\n"
    "কমান্ড:\n"
    "/menu — মূল মেনু\n"
    "/subscribe — দৈনিক পাঠ চালু\n"
    "/lesson — পরের পাঠ এখনই\n"
    "/progress — আপনার অগ্রগতি\n"
    "/time — পাঠ পাওয়ার সময় বদলান\n"
    "/unsubscribe — দৈনিক পাঠ বন্ধ\n"
    "/delete_me — আপনার সব তথ্য মুছে ফেলুন"
)
# The reply to a greeting mirrors it (see ``greeting`` below); this one answers "hi",
# "hello" and anything else that names no particular greeting.
GREETING = "হ্যালো! আউটসোর্সিং বা ফ্রিল্যান্সিং নিয়ে কী জানতে চান? লিখে পাঠান, অথবা মেনু দেখুন।"
# also the reply to "ok", "আচ্ছা" and "nice", so it must not thank back
THANKS = "খুশি হলাম! আর কিছু জানার থাকলে লিখে পাঠান।"
BYE = "ভালো থাকবেন! যখন দরকার, আবার লিখবেন।"
UNSURE = "ঠিক বুঝতে পারিনি। আপনি কি এগুলোর কোনোটি জানতে চাইছেন?"
OUT_OF_SCOPE = (
    "দুঃখিত, এ বিষয়ে আমি সাহায্য করতে পারব না। আমি শুধু আউটসোর্সিং, ফ্রিল্যান্সিং, "
    "অনলাইনে আয় আর প্রতারণা থেকে সাবধান থাকা নিয়ে কথা বলি। নিচের মেনু থেকে একটি বিষয় বেছে নিন।"
)
EMPTY = "কিছু একটা লিখে পাঠান, যেমন “আউটসোর্সিং কী?” অথবা মেনু থেকে বিষয় বেছে নিন।"
LIKE = "👍 পেয়ে ভালো লাগল! আর কিছু জানতে চাইলে প্রশ্নটি লিখে পাঠান, অথবা মেনু থেকে বেছে নিন।"
NO_TEXT = "আমি এখনো শুধু লেখা আর বোতাম বুঝি। প্রশ্নটি লিখে পাঠান, অথবা মেনু থেকে বেছে নিন।"
UNKNOWN_COMMAND = "এই কমান্ডটি আমি চিনি না। /help লিখলে সব কমান্ড দেখতে পাবেন।"
STALE_BUTTON = "এই বোতামটি আর কাজ করে না। নতুন মেনু থেকে আবার বেছে নিন।"
RELATED = "আরও জানতে:"
FEEDBACK_THANKS_UP = "মতামতের জন্য ধন্যবাদ!"
FEEDBACK_THANKS_DOWN = "ধন্যবাদ, জানালেন বলে উত্তরটি আরও ভালো করা যাবে। চাইলে প্রশ্নটি অন্যভাবে লিখে দেখুন।"
FLOOD = "একসঙ্গে অনেক বার্তা এসেছে; কয়েক সেকেন্ড পরে আবার পাঠান।"
GROUP_HINT = "গ্রুপে আমি শুধু কমান্ড আর আমাকে উল্লেখ করা বার্তার উত্তর দিই। বিস্তারিত জানতে আমাকে সরাসরি মেসেজ করুন।"
ERROR = "দুঃখিত, একটা সমস্যা হয়েছে। একটু পরে আবার চেষ্টা করুন।"
DELETE_CONFIRM = "আপনার সব তথ্য (প্রশ্ন, মতামত, পাঠের অগ্রগতি) মুছে ফেলতে চান? এটি আর ফেরানো যাবে না।"
DELETED = "আপনার সব তথ্য মুছে ফেলা হয়েছে। আবার শুরু করতে /start লিখুন।"
DELETE_CANCELLED = "ঠিক আছে, কিছুই মোছা হয়নি।"

BTN_MENU = "🏠 মূল মেনু"
BTN_BACK = "⬅️ পেছনে"
BTN_UP = "👍 কাজে লেগেছে"
BTN_DOWN = "👎 কাজে লাগেনি"
BTN_YES_DELETE = "হ্যাঁ, মুছে ফেলুন"
BTN_NO = "না, থাক"
BTN_SUBSCRIBE = "📚 দৈনিক পাঠ চালু করুন"
BTN_LESSON = "📖 পরের পাঠ"
BTN_PROGRESS = "📊 অগ্রগতি"
BTN_TIME = "⏰ সময় বদলান"
BTN_UNSUBSCRIBE = "🔕 পাঠ বন্ধ করুন"
BTN_COURSE = "📚 দৈনিক পাঠ"

# Daily lessons
# The course teaches the steps; it does not promise a job in {days} days (first income
# usually takes six months to a year: topic time_to_first_income).
OFFER_SUBSCRIBE = (
    "প্রতিদিন পাঁচ মিনিটের একটি পাঠ আর কুইজ পেতে চান? {days} দিনে শিখবেন শুরু থেকে প্রথম সৎ "
    "কাজ খোঁজা পর্যন্ত ধাপগুলো।"
)
SUBSCRIBED = (
    "দৈনিক পাঠ চালু হয়েছে। প্রতিদিন {time}য় (বাংলাদেশ সময়) পরের পাঠ পাঠাব। এখনই পড়তে চাইলে /lesson লিখুন।"
)
ALREADY_SUBSCRIBED = "আপনি আগেই সাবস্ক্রাইব করেছেন। প্রতিদিন {time}য় পাঠ আসবে। সময় বদলাতে /time লিখুন।"
UNSUBSCRIBED = "দৈনিক পাঠ বন্ধ করা হলো। আপনার অগ্রগতি রাখা আছে; আবার চালু করতে /subscribe লিখুন।"
NOT_SUBSCRIBED = "আপনার দৈনিক পাঠ চালু নেই। চালু করতে /subscribe লিখুন।"
CHOOSE_TIME = "কখন পাঠ পেতে চান? একটি সময় বেছে নিন (বাংলাদেশ সময়)। এখন: {time}।"
TIME_SET = "ঠিক আছে, এখন থেকে প্রতিদিন {time}য় পাঠ পাঠাব।"
TIME_BAD = "সময়টি বুঝতে পারিনি। নিচের বোতাম থেকে একটি সময় বেছে নিন।"
LESSON_HEADER = "পাঠ {day}/{total}: {title}"
QUIZ_HEADER = "কুইজ: {question}"
QUIZ_RIGHT = "✅ {why}"  # explanations of the right option begin with «ঠিক।»
QUIZ_WRONG = "❌ {why}\nঠিক উত্তর: {right}"
QUIZ_ALREADY = "এই কুইজের উত্তর আপনি আগেই দিয়েছেন।"
QUIZ_NOT_SENT = "এই কুইজটি এখনো আপনার কাছে পাঠানো হয়নি। পরের পাঠ পড়তে /lesson লিখুন।"
QUIZ_BAD = "এই উত্তরটি বুঝতে পারিনি। কুইজের নিচের বোতাম থেকে বেছে নিন।"
COURSE_DONE = (
    "অভিনন্দন! আপনি পুরো কোর্স ({total}টি পাঠ) শেষ করেছেন।\n\n"
    "আপনি জেনেছেন আউটসোর্সিং আসলে কী, কীভাবে একটি দক্ষতা বেছে নিয়ে শিখতে হয়, প্রোফাইল আর "
    "প্রপোজাল কীভাবে সাজাতে হয়, বৈধভাবে টাকা আনার উপায় আর প্রতারণা চেনার লক্ষণ।\n\n"
    "এরপর: প্রতিদিন নিয়ম করে অনুশীলন করুন, পোর্টফোলিওতে নতুন কাজ যোগ করুন, ছোট কাজ দিয়ে "
    "শুরু করুন, আর কেউ আগে টাকা চাইলে থামুন। যেকোনো প্রশ্ন লিখে পাঠাতে পারেন; /progress লিখে "
    "অগ্রগতি দেখতে পারেন।"
)
PROGRESS = (
    "📊 আপনার অগ্রগতি\n"
    "পাঠ শেষ: {done}/{total}\n"
    "কুইজ: {right}/{answered}টি ঠিক\n"
    "টানা দিন: {streak} (সেরা: {best})\n"
    "দৈনিক পাঠ: {status}"
)
# Channels that may message a user only within 24 hours of the user's last message (Messenger)
WINDOW_RULE = (
    "একটি নিয়ম জেনে রাখুন: আপনি শেষবার লেখার ২৪ ঘণ্টা পেরিয়ে গেলে এখানে আমি নিজে থেকে কোনো "
    "বার্তা পাঠাতে পারি না। তাই পাঠের সময় সেই ২৪ ঘণ্টার বাইরে পড়লে পাঠটি রেখে দেব, আর আপনি পরের বার "
    "লিখলেই সেটি পড়তে বলব। প্রতিদিন কুইজের উত্তর দিলে পাঠ নিয়মিত সময়েই আসবে।"
)
HELD_LESSON = "আপনার আজকের পাঠ তৈরি — পড়বেন?"
BTN_READ_NOW = "📖 এখনই পড়ব"
PROGRESS_ON = "চালু, প্রতিদিন {time}য়"
PROGRESS_OFF = "বন্ধ"

# Greeting replies, one per greeting the user can send (faq.answer tells which one it was).
_ASK = " আউটসোর্সিং বা ফ্রিল্যান্সিং নিয়ে কী জানতে চান? লিখে পাঠান, অথবা মেনু দেখুন।"
GREETING_SALAM = "ওয়ালাইকুম আসসালাম!" + _ASK
GREETING_NAMASKAR = "নমস্কার!" + _ASK
GREETING_ADAB = "আদাব!" + _ASK
GREETING_MORNING = "শুভ সকাল!" + _ASK
GREETING_EVENING = "শুভ সন্ধ্যা!" + _ASK
_GREETINGS = {
    "salam": GREETING_SALAM,
    "namaskar": GREETING_NAMASKAR,
    "adab": GREETING_ADAB,
    "morning": GREETING_MORNING,
    "evening": GREETING_EVENING,
}


def greeting(style: str) -> str:
    """Return the reply to a greeting of this style ("salam", "namaskar"…; "" is neutral)."""
    return _GREETINGS.get(style, GREETING)


# Groups and channels
GROUP_PERSONAL = "এটি আপনার ব্যক্তিগত তথ্য, তাই গ্রুপে দেখাব না। আমার সঙ্গে সরাসরি (প্রাইভেট) চ্যাটে লিখুন।"
BTN_PRIVATE_CHAT = "💬 সরাসরি চ্যাট খুলুন"
NOT_YOUR_BUTTON = "এই বোতামটি অন্য একজনের জন্য।"
