// WheelGuard: combo boxes, spin boxes and sliders take the mouse wheel only
// when they have the focus. Scrolling a form must not stop on a field and
// change it; without the focus the wheel goes on to what holds the field (a
// scroll area scrolls). They take the focus by Tab or a click, not the wheel.
#pragma once

#include <QObject>

class QWidget;

class WheelGuard : public QObject {
  Q_OBJECT

 public:
  // Guards every combo box, spin box and slider in `root` (and `root`
  // itself), scroll bars excepted. The guard lives as long as `root`;
  // widgets added to it later need another call.
  static void install(QWidget* root);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  using QObject::QObject;
};
