"""Plays the Lambda service for the functions deployed into the local emulator.

moto stores functions, layers, event source mappings, rules and APIs but cannot run code. This
package reads all of that from the emulator and does what Lambda, API Gateway's proxy integration,
the stream and queue pollers and EventBridge's scheduler would do: it runs each function's handler
in a warm subprocess (its code and layer, its environment, its timeout) and delivers events to it.
"""
