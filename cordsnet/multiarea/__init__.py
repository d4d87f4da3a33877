"""CordsNet as the visual front end of a multi-area RNN (Fig 5, claim C9).

- :mod:`cordsnet.multiarea.stimuli` renders the four monkey tasks' stimuli as images (dot arrays, morphs, spatial
  cues, random-dot motion) and measures them back from the pixels;
- :mod:`cordsnet.multiarea.tasks` builds banks of trials with named periods in ms;
- :mod:`cordsnet.multiarea.frontend` runs the frozen, trained CordsNet through each trial's frames with the engine
  and keeps its last areas' activity, once per bank;
- :mod:`cordsnet.multiarea.network` is the downstream continuous-time RNN of areas with feedforward and feedback
  connections;
- :mod:`cordsnet.multiarea.targets` gives its targets, cost mask, inputs and the criterion of a correct trial.

:mod:`cordsnet.multiarea.analysis` trains and evaluates it per task (docs/multiarea.md).
"""
