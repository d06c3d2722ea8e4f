// RunBarState: what the Run tool bar (RunControlBar) may ask now, and why
// not, from the form, the Processes box, the hostfile and the run in
// progress. Start waits for a valid form, for a dist_* kv-store when
// Processes asks for more than one, and for a hostfile that can be read; the
// commands to a run are those its RunSource takes, Save checkpoint also needs
// a --model-prefix; each control that is off says why in its tooltip.
#pragma once

#include <QCoreApplication>
#include <QStringList>

#include "RunControlBar.h"

class RunSource;

class RunBarState {
  Q_DECLARE_TR_FUNCTIONS(RunBarState)

 public:
  struct Facts {
    QStringList formErrors;          // the form's invalid arguments; empty when it is valid
    int processes = 1;               // the Processes box
    bool startsProcesses = false;    // Start would run worker processes under mpirun
    QString hostfile;                // the machines they run on; "" for this one
    QString hostfileProblem;         // why the hostfile cannot be used; "" when it can
    const RunSource* run = nullptr;  // the run in progress; null when none
    bool hasModelPrefix = false;     // the run's (or the form's) --model-prefix is set
  };
  static RunControlBar::State of(const Facts& facts);
};
