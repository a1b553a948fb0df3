"""What the demo's patients write in their programmes, in their own language."""

from __future__ import annotations

TEXT = {
    "da": {
        "reflection": "Jeg kunne godt lide at lave mad til vennerne og gå ture langs vandet.",
        "homework": ("I denne uge gik jeg tre korte ture og ringede til min søster én gang. "
                     "Tirsdag var svær, men jeg kom alligevel ud i ti minutter."),
        "plan": "Gå 15 minutter",
        "worry": "Kan jeg klare det på arbejdet?",
        "worry_action": "Skrev det ned til min bekymringstid",
        "step": "Trin",
        "situation": "En besked fra min chef",
        "feelings": "Urolig",
        "thought": "Jeg har gjort noget forkert",
        "against": "Hun skriver tit sådan",
        "balanced": "Det er sikkert bare et almindeligt spørgsmål",
        "after": "Roligere",
        "feedback": ("Tak for det her. At komme ud på en svær dag er et rigtigt fremskridt. "
                     "Prøv i næste uge at planlægge én tur sammen med en anden."),
        "diary": ["Sov dårligt, men kom op til tiden.", "God gåtur med naboen.",
                  "Tung dag på arbejdet.", "Lavede mad til min søster."],
    },
    "en": {
        "reflection": "I used to enjoy cooking for friends and walking by the water.",
        "homework": ("This week I went for three short walks and called my sister once. "
                     "Tuesday was hard, but I still went out for ten minutes."),
        "plan": "Walk 15 minutes",
        "worry": "Will I manage at work?",
        "worry_action": "Wrote it down for worry time",
        "step": "Step",
        "situation": "A message from my boss",
        "feelings": "Anxious",
        "thought": "I did something wrong",
        "against": "She often writes like that",
        "balanced": "It is probably a normal question",
        "after": "Calmer",
        "feedback": ("Thank you for this. Going out on a hard day is real progress. "
                     "Next week, try to plan one walk with someone else."),
        "diary": ["Slept badly but got up on time.", "Good walk with my neighbour.",
                  "Heavy day at work.", "Cooked dinner for my sister."],
    },
}
