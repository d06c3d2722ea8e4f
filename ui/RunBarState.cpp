#include "RunBarState.h"

#include "RunSource.h"

RunControlBar::State RunBarState::of(const Facts& facts) {
  const RunSource* run = facts.run;
  RunControlBar::State state;
  state.running = run != nullptr;
  if (!facts.formErrors.isEmpty())
    state.cannotStart =
        tr("Fix the invalid arguments first: %1").arg(facts.formErrors.join(QLatin1Char('\n')));
  // Several processes only make sense with a store whose workers cooperate.
  else if (facts.processes > 1 && !facts.startsProcesses)
    state.cannotStart = tr("%1 processes need a dist_* kv-store (dist_sync, dist_device_sync or dist_async): "
                           "choose one, or set Processes to 1")
                            .arg(facts.processes);
  else if (!facts.hostfileProblem.isEmpty())
    state.cannotStart = facts.hostfileProblem;
  if (facts.startsProcesses)
    state.startTip =
        facts.hostfile.isEmpty()
            ? tr("Runs %n worker process(es) under mpirun", nullptr, facts.processes)
            : tr("Runs %n worker process(es) under mpirun on the machines of %1", nullptr, facts.processes)
                  .arg(facts.hostfile);
  state.canPause = run != nullptr && run->canPause();
  state.canSetLr = run != nullptr && run->canSetLr();
  state.canSave = run != nullptr && run->canSave() && facts.hasModelPrefix;
  state.paused = run != nullptr && run->isPaused();
  state.noCommandTip =
      tr("A run of worker processes cannot take this command: fitbench-cli under mpirun only "
         "listens for Stop (an interrupt)");
  state.saveTip = run != nullptr && !run->canSave() ? state.noCommandTip
                  : !facts.hasModelPrefix
                      ? tr("The run has no --model-prefix, so it saves no checkpoints")
                      : tr("Save a checkpoint at the end of the current epoch (a stop before then saves the "
                           "epoch so far)");
  return state;
}
