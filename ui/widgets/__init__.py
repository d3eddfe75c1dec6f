"""Widgets shared by several screens: the plots and the unit-checked entry fields."""
