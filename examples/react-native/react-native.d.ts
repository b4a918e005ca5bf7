// Stands for the "react-native" module's shapes, for the few components this example uses, so that
// the example type-checks without installing React Native. An app gets the real types from
// react-native itself; these follow its prop names and are deliberately narrower.
declare module "react-native" {
  import type { ComponentType, ReactElement, ReactNode } from "react";

  type Style = Record<string, string | number>;

  export const View: ComponentType<{ style?: Style | undefined; children?: ReactNode }>;
  export const Text: ComponentType<{
    style?: Style | undefined;
    numberOfLines?: number | undefined;
    children?: ReactNode;
  }>;
  export const TextInput: ComponentType<{
    value: string;
    onChangeText: (text: string) => void;
    onSubmitEditing?: (() => void) | undefined;
    placeholder?: string | undefined;
    style?: Style | undefined;
  }>;
  export const Pressable: ComponentType<{
    onPress: () => void;
    disabled?: boolean | undefined;
    style?: Style | undefined;
    children?: ReactNode;
  }>;
  export const ActivityIndicator: ComponentType<Record<string, never>>;
  export function FlatList<T>(props: {
    data: readonly T[];
    keyExtractor: (item: T) => string;
    renderItem: (info: { item: T; index: number }) => ReactElement | null;
    onEndReached?: (() => void) | undefined;
    inverted?: boolean | undefined;
    ListHeaderComponent?: ReactElement | null | undefined;
  }): ReactElement;
  export const StyleSheet: { create<T extends Record<string, Style>>(styles: T): T };
  export const AppRegistry: { registerComponent(name: string, make: () => ComponentType): void };
}
