#include "WheelGuard.h"

#include <QAbstractSlider>
#include <QAbstractSpinBox>
#include <QComboBox>
#include <QEvent>
#include <QScrollBar>
#include <QWidget>

namespace {

bool takesWheel(const QWidget* widget) {
  return (qobject_cast<const QComboBox*>(widget) != nullptr ||
          qobject_cast<const QAbstractSpinBox*>(widget) != nullptr ||
          qobject_cast<const QAbstractSlider*>(widget) != nullptr) &&
         qobject_cast<const QScrollBar*>(widget) == nullptr;
}

}  // namespace

void WheelGuard::install(QWidget* root) {
  // One guard per root, however often it is installed.
  auto* guard = root->findChild<WheelGuard*>(QString(), Qt::FindDirectChildrenOnly);
  if (guard == nullptr) guard = new WheelGuard(root);
  QList<QWidget*> widgets = root->findChildren<QWidget*>();
  widgets.prepend(root);
  for (QWidget* widget : std::as_const(widgets)) {
    if (!takesWheel(widget)) continue;
    widget->setFocusPolicy(Qt::StrongFocus);
    widget->installEventFilter(guard);  // once: Qt moves a filter installed again to the front
  }
}

bool WheelGuard::eventFilter(QObject* watched, QEvent* event) {
  if (event->type() != QEvent::Wheel || static_cast<QWidget*>(watched)->hasFocus()) return false;
  // Ignored and filtered out: QApplication passes the wheel on to the parent.
  event->ignore();
  return true;
}
