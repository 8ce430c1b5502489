import json, uuid
def test_explore(stack):
    for msgs in [["Was brauche ich für einen Personalausweis?"], ["Wo ist das Bürgerbüro in Kleinwalde?"], ['/inform{"place":"Kleinwalde"}', "Was brauche ich für einen Personalausweis?"], ["Was kostet ein Reisepass"], ["Hallo"]]:
        sender = "x" + uuid.uuid4().hex[:10]
        for m in msgs:
            print("\n>>>", m)
            print(json.dumps(stack.chat(m, sender=sender), ensure_ascii=False, indent=1))
