"""The words of the demo vault: fictional names, places and testimonies.

Everything here is invented. Names follow the convention of anonymised Chinese court
documents (张某甲, "Zhang Moujia": "a certain Zhang, the first"), places are named
"Example City" (示例市), "Sample County" (样本县), "Fictional District" (虚构区) and "Demo
Town" (演示镇), phone numbers use the unassigned +86 100 prefix, e-mail addresses the
reserved example.org domain, and identity numbers the non-existent region code 99. Any
resemblance to a real person or institution is unintended.
"""

from __future__ import annotations

SURNAMES = [
    ("Wang", "王"), ("Li", "李"), ("Zhang", "张"), ("Liu", "刘"), ("Chen", "陈"),
    ("Yang", "杨"), ("Zhao", "赵"), ("Huang", "黄"), ("Zhou", "周"), ("Wu", "吴"),
    ("Xu", "徐"), ("Sun", "孙"), ("Ma", "马"), ("Zhu", "朱"), ("Hu", "胡"), ("Guo", "郭"),
    ("He", "何"), ("Lin", "林"), ("Gao", "高"), ("Luo", "罗"),
]
#: "某" + a heavenly stem: an obviously anonymised given name.
GIVEN = [
    ("Moujia", "某甲"), ("Mouyi", "某乙"), ("Moubing", "某丙"), ("Mouding", "某丁"),
    ("Mouwu", "某戊"), ("Mouji", "某己"), ("Mougeng", "某庚"), ("Mouxin", "某辛"),
]
UYGHUR_NAMES = [
    ("Misalbek Ornek", "مىسالبەك ئۆرنەك"),  # "example" twice, in two languages
    ("Ornekgul Misal", "ئۆرنەكگۈل مىسال"),
]

CITY = ("Shili City", "示例市")
PLACES = [CITY, ("Yangben County", "样本县"), ("Xugou District", "虚构区"),
          ("Yanshi Town", "演示镇")]
CHANNEL = ("Shili City TV News (fictional)", "示例市电视台新闻频道")

#: Per detention type: facility (en, zh), holding authority, and a fitting legal basis.
FACILITIES = {
    "criminal_detention": (("Yangben County Detention Centre", "样本县看守所"),
                           "Yangben County Public Security Bureau",
                           "Criminal Procedure Law art. 82"),
    "formal_arrest": (("Shili City No. 1 Detention Centre", "示例市第一看守所"),
                      "Shili City People's Procuratorate", "Criminal Procedure Law art. 81"),
    "rsdl": (("a 'designated location' guesthouse of the Shili City PSB",
              "示例市公安局指定居所（某招待所）"),
             "Shili City Public Security Bureau", "Criminal Procedure Law art. 75"),
    "liuzhi": (("Yangben County Supervisory Commission liuzhi centre", "样本县监察委员会留置点"),
               "Yangben County Supervisory Commission", "Supervision Law art. 22"),
    "pretrial_detention": (("Shili City No. 2 Detention Centre", "示例市第二看守所"),
                           "Shili City State Security Bureau", "Criminal Procedure Law art. 85"),
    "administrative_detention": (("Xugou District Detention Centre", "虚构区拘留所"),
                                 "Xugou District Public Security Sub-bureau",
                                 "Public Security Administration Punishments Law art. 26"),
    "black_jail": (("basement of the Yanshi Town guesthouse", "演示镇招待所地下室"),
                   "Yanshi Town government (unofficial)", ""),
    "psychiatric": (("Shili City No. 3 Psychiatric Hospital (Ankang)",
                     "示例市第三精神病院（安康医院）"),
                    "Shili City Public Security Bureau", "Mental Health Law art. 30"),
    "house_arrest": (("the detainee's home", "被羁押人家中"), "Xugou District domestic security",
                     ""),
    "enforced_disappearance": (("unknown", "不详"), "unknown", ""),
    "exit_ban": (("none (passport confiscated)", "无（护照被没收）"),
                 "Shili City Exit-Entry Administration",
                 "Exit and Entry Administration Law art. 12"),
    "forced_holiday": (("a hotel outside Shili City", "示例市郊外宾馆"),
                       "Shili City domestic security", ""),
    "non_release_release": (("the detainee's home, under guard", "被羁押人家中（有人看守）"),
                            "Xugou District domestic security", ""),
    "other": (("a 'legal education centre' in Yanshi Town", "演示镇“法制教育中心”"),
              "Yanshi Town government", ""),
}

ORGANISATIONS = [
    ("Shili City Public Security Bureau", ["Domestic Security Division", "Criminal Police"]),
    ("Shili City State Security Bureau", ["First Division", "Investigation Office"]),
    ("Yangben County Supervisory Commission", ["Case Review Office"]),
    ("Shili City No. 1 Detention Centre", ["Management Office"]),
    ("Xugou District Public Security Sub-bureau", ["Yanshi Town Police Station"]),
]
RANKS = ["Director", "Deputy Director", "Division Chief", "Deputy Division Chief",
         "Team Leader", "Senior Officer", "Warden", "Deputy Warden"]

CHARGES = ["inciting subversion of state power", "picking quarrels and provoking trouble",
           "subversion of state power", "illegally providing state secrets abroad",
           "gathering a crowd to disturb public order", "using a cult to undermine the law"]

# -- testimonies in Chinese, with their English translations -----------------------------
# Placeholders: {name_en} {name_zh} {place_en} {place_zh} {facility_en} {facility_zh}
# {lawyer_en} {lawyer_zh} {date} {months} {channel_en} {channel_zh}

ZH_TESTIMONIES = [
    ("rsdl",
     "{date}深夜，{place_zh}公安局的几名便衣警察来到我家，没有出示任何证件就把我带走了。"
     "后来我才知道，这叫“指定居所监视居住”。我被关在{facility_zh}的一个房间里，窗户被封死，"
     "灯二十四小时开着。整整{months}个月，他们不让我见律师，也没有通知我的家人。我的妻子请了"
     "{lawyer_zh}律师，可是律师去了好几次都被拒绝会见。",
     "Late at night on {date}, several plain-clothes officers of the {place_en} Public Security "
     "Bureau came to my home and took me away without showing any identification. I only "
     "learned later that this is called 'residential surveillance at a designated location'. "
     "I was held in a room at {facility_en}; the windows were sealed and the light was on "
     "day and night. For {months} months they did not let me see a lawyer and did not notify "
     "my family. My wife hired the lawyer {lawyer_en}, who was refused a meeting many times."),
    ("pretrial_detention",
     "在{facility_zh}，审讯人员把我绑在老虎凳上，连续审讯了三天三夜，不让我睡觉。有人打我的头，"
     "还威胁说要抓我的女儿。这就是酷刑。我要求见律师，他们说：“你的案子特殊，不能见律师。”"
     "后来我才知道，看守所登记册上用的不是我的真名。",
     "At {facility_en} the interrogators strapped me into a tiger chair and questioned me for "
     "three days and three nights without sleep. Someone hit me on the head and threatened "
     "to arrest my daughter. This was torture. I asked to see a lawyer and they said: 'Your "
     "case is special, you cannot see a lawyer.' I learned later that the detention centre's "
     "register did not use my real name."),
    ("liuzhi",
     "我丈夫{name_zh}是在{date}被带走的。我们去派出所问了十几次，没有任何人告诉我们他在哪里。"
     "半年以后，才有人私下说他被“留置”在{facility_zh}。我们给监察委写了很多信，从来没有收到回复，"
     "也没有律师能见到他。",
     "My husband {name_en} was taken away on {date}. We asked at the police station more than "
     "ten times and nobody would tell us where he was. Six months later someone told us "
     "privately that he was held under 'liuzhi' at {facility_en}. We wrote many letters to "
     "the supervisory commission, never received a reply, and no lawyer could see him."),
    ("pretrial_detention",
     "他们给我一份写好的稿子，让我对着摄像机念了二十多遍，直到他们满意为止。稿子里说我"
     "“勾结境外势力”。几个月后，我在{channel_zh}上看到了自己的“认罪”。我从来没有同意播出，"
     "我说的话没有一句是真的。",
     "They gave me a script that was already written and made me read it to the camera more "
     "than twenty times, until they were satisfied. It said I had 'colluded with foreign "
     "forces'. Months later I saw my own 'confession' on {channel_en}. I never agreed to its "
     "broadcast, and not one word of it was true."),
    ("forced_holiday",
     "每到敏感日子之前，国保就会来“请”我去外地“旅游”。他们开车把我带到{place_zh}郊外的一家宾馆，"
     "收走手机，不许我见任何人，一住就是十天。他们说这不算拘留，也没有任何手续。",
     "Before every sensitive date the domestic security police come to 'invite' me on a "
     "'holiday'. They drive me to a hotel outside {place_en}, take my phone and let me see "
     "nobody, ten days at a time. They say this is not detention, and there is no paperwork."),
    ("psychiatric",
     "因为我多年上访，{place_zh}的官员把我送进了{facility_zh}。医生从来没有给我做过正式检查，"
     "就说我有“偏执型精神障碍”。每天护士强迫我吃药，不吃就把我绑在床上。我的家人不知道我在哪里。",
     "Because I had petitioned for years, officials in {place_en} sent me to {facility_en}. "
     "The doctors never examined me properly, yet wrote that I had a 'paranoid disorder'. "
     "Every day the nurses forced me to take pills, and tied me to the bed if I refused. My "
     "family did not know where I was."),
    ("non_release_release",
     "刑满释放那天，我以为终于自由了。可是回家以后，楼下一直有人看守，我不能见朋友，"
     "不能接受采访，护照也被没收了，说我被“禁止出境”。这就是“不释放的释放”。",
     "On the day my sentence ended I thought I was finally free. But at home someone has "
     "stood guard downstairs ever since; I cannot see friends or give interviews, and my "
     "passport was taken because I am 'banned from leaving the country'. This is a release "
     "that is not a release."),
]

EN_TESTIMONIES = [
    ("black_jail",
     "I saw {name_en} pushed into a grey van outside the petition office in {place_en}. The "
     "men wore no uniforms. She was held for eleven days in the {facility_en}, a place "
     "petitioners call a 黑监狱 (black jail). When she came out she had bruises on both arms."),
    ("rsdl",
     "As the lawyer of {name_en} I went to the {place_en} PSB seven times. Each time I was "
     "told my client had 'dismissed' me and that a state-appointed lawyer had been assigned. "
     "I was never shown a signed letter. Under RSDL (指定居所监视居住) the police may refuse a "
     "lawyer for the whole period in 'state security' cases; they did."),
    ("pretrial_detention",
     "They kept {name_en} in the cell next to mine at {facility_en}. At night I heard him "
     "shouting. The guards made him stand for hours with his arms raised. Once, when we "
     "passed in the corridor, he whispered the word 酷刑 and showed me his wrists."),
    ("administrative_detention",
     "I was given ten days of administrative detention for 'picking quarrels and provoking "
     "trouble' after I posted a photo from the protest in {place_en}. Nobody told my mother; "
     "she found out from a neighbour. My lawyer ({lawyer_en}) was not allowed to see me."),
    ("house_arrest",
     "Since {date}, {name_en} has been under house arrest in {place_en}. Two cars are parked "
     "at the gate day and night. When his daughter tried to visit, officers took her phone "
     "and told her to go home."),
    ("criminal_detention",
     "My brother {name_en} was placed under criminal detention on {date} and formally "
     "arrested thirty-seven days later for 'inciting subversion of state power'. The lawyer "
     "we hired, {lawyer_en} ({lawyer_zh}), was warned by the justice bureau to drop the case."),
    ("enforced_disappearance",
     "My cousin {name_en} disappeared after returning to {place_en}. The last message she "
     "sent said «ئۇلار مېنى ئېلىپ كەتتى» (\"they are taking me away\"). Since then, no "
     "authority has admitted holding her, and every enquiry at the police station is refused."),
]

CASE_TITLES = [
    ("Example City lawyers' detentions (fictional)", "示例市律师被羁押案（虚构）"),
    ("RSDL and liuzhi in Sample County (fictional)", "样本县指定居所监视居住与留置（虚构）"),
    ("Televised forced confessions (fictional)", "电视强迫认罪（虚构）"),
]
