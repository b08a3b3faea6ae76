"""Progress and coverage summaries: the figures of a planfile, and their renderings in the
planfile's summary block, in milestone descriptions and in a tracking issue."""
