"""`feedbot demo`: a believable company in the workspace `demo` (bot/domain/demo.py), to try every capability
without Slack or Teams. company.py says who works there, story.py what twelve weeks of them said and shipped,
fill.py writes it through storage/demo.py."""
