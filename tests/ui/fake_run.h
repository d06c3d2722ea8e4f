// FakeRun: a RunSource the tests steer: it runs while `running`, takes the
// commands its flags allow, and counts the stops it was told.
#pragma once

#include "RunSource.h"

class FakeRun : public RunSource {
 public:
  bool running = true;
  bool paused = false;
  bool pausable = true;
  bool saves = true;
  bool setsLr = true;
  int stops = 0;
  int stopsAndSaves = 0;

  bool isRunning() const override { return running; }
  bool isPaused() const override { return paused; }
  bool canPause() const override { return pausable; }
  bool canSave() const override { return saves; }
  bool canSetLr() const override { return setsLr; }
  void stop() override { ++stops; }
  void stopAndSave() override { ++stopsAndSaves; }
};

// A run of worker processes: it takes Stop alone.
inline void takeOnlyStop(FakeRun& run) { run.pausable = run.saves = run.setsLr = false; }
