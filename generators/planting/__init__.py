"""Category planters: one module per category, each turning a persona, an evidence count and a topic into
a QuestionDraft (evidence conversations + question). generators.planting.registry.PLANTERS
maps category name -> module.

Every planter module offers:
  topics(n)                 the topics (template names / kinds) that can carry n evidence messages
  exclusive(topic)          True if two questions of this topic must not share a history
  topic_weight(topic)       (optional) how often the topic is drawn against the others (an exclusive topic
                            at most once a chain); without it a chain cycles through its topics in random order
  plant(pack, persona, rng, n, topic, chain) -> QuestionDraft
  samples(persona)          {template key: (conversation contexts, question contexts, evidence speaker)}
                            used to dry-render every template of a pack before anything is written
"""
