// NonFiniteBanner: the bar above the charts that says a run diverged. The run
// is paused (a resume goes back to the epoch's first weights); the banner names the
// batch and the first layer whose values went NaN or infinite, and offers to
// resume with a lower learning rate (a tenth of the current one to start
// with) or to stop.
#pragma once

#include <QFrame>

#include "fitbench/observer.h"

class ElidedLabel;
class QDoubleSpinBox;
class QPushButton;

class NonFiniteBanner : public QFrame {
  Q_OBJECT

 public:
  explicit NonFiniteBanner(QWidget* parent = nullptr);

  // Shows the banner for `event`, offering `currentRate` / 10.
  void showFor(const fitbench::NonFiniteEvent& event, double currentRate);
  QString message() const;
  double proposedRate() const;

 signals:
  void resumeRequested(double learningRate);
  void stopRequested();

 private:
  ElidedLabel* m_message = nullptr;
  QDoubleSpinBox* m_rate = nullptr;
  QPushButton* m_resume = nullptr;
  QPushButton* m_stop = nullptr;
};
