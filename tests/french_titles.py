"""The product's own French titles of the 18 rules (issue 15, from the reference article), in the
order of ``guided_actions.rules.BUILTIN_RULES``: one list for every test that checks them."""

from __future__ import annotations

FRENCH_TITLES: tuple[str, ...] = (
    "Contacts nouvellement attribués",
    "Leads nouvellement attribués",
    "Contacts réengagés",
    "Activité des séquences",
    "Réponses à l'e-mail",
    "Suivi de votre réunion",
    "Enregistrement des résultats d'appel",
    "Contacts en attente de votre réponse",
    "Répondre à l'e-mail",
    "Leads en attente de votre réponse",
    "Préparation de la prochaine réunion",
    "Tâches prioritaires du jour",
    "Activité du compte cible",
    "Leads récemment engagés",
    "Mettre à jour les étapes suivantes",
    "Ajouter un contact à une transaction",
    "Prise de contact initiale nécessaire",
    "Suivi de l'acheteur",
)
